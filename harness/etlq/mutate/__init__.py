"""``etlq mutate``: the pipeline's SQL changed one small way at a time (``operators``), each change
run through the pipeline interface against the kill suites (``runner``); the share the suites
notice is the harness's own score (``report``)."""
