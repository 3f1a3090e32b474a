"""The production ETL: Glue job entry points, SQL transforms, loaders. Imports nothing from etlq/."""
