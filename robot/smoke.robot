*** Settings ***
Documentation       Smoke: is the warehouse there, in shape, and loaded for the run date?
...                 Read-only; under a minute against a deployed warehouse.
Resource            resources/warehouse.resource
Suite Setup         Open Warehouse Under Test
Suite Teardown      Close Warehouse Opened Here
Test Tags           smoke    allure.label.epic:robot smoke


*** Test Cases ***
Warehouse Answers
    ${tables}=    Get Contract Tables
    Should Not Be Empty    ${tables}

No Breaking Schema Drift
    [Tags]    drift
    Schema Should Not Drift

Every Job Of The Run Succeeded
    [Tags]    completeness    robot:continue-on-failure
    ${etl}=    Warehouse Is Loaded By ETL
    Skip If    not ${etl}    no run records: this warehouse is not loaded by the pipeline under test (or none is registered)
    @{jobs}=    Get ETL Jobs
    FOR    ${job}    IN    @{jobs}
        ETL Job Should Have Succeeded    ${job}    run_date=${RUN_DATE}
    END

Staging Holds Rows For The Run Date
    [Tags]    completeness    robot:continue-on-failure
    @{tables}=    Get Contract Tables    having=raw
    Skip If    not $tables    no contract names a raw source (raw: {source: ...})
    FOR    ${table}    IN    @{tables}
        Check Should Pass    ${table}::row_count
    END

Facts Are Joined To Their Dimensions
    [Tags]    quality    robot:continue-on-failure
    @{facts}=    Get Contract Tables    gold.fact_orders
    Skip If    not $facts    no contract for gold.fact_orders: not etl/'s warehouse
    Check Failing Count Should Be    gold.fact_orders::foreign_key[customer_id]    0
    Check Failing Count Should Be    gold.fact_orders::foreign_key[order_date,currency]    0
