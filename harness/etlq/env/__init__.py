"""The local environment `etlq env up` starts and the test fixtures use: an embedded PostgreSQL
server (run as an unprivileged user when we are root) and a moto server for the AWS side."""
