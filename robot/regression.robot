*** Settings ***
Documentation       Regression: every contract on every table, reconciliation layer by layer,
...                 and (on a local warehouse) a rerun of the ETL that must change nothing.
Resource            resources/warehouse.resource
Suite Setup         Open Warehouse Under Test
Suite Teardown      Close Warehouse Opened Here
Test Tags           regression    allure.label.epic:robot regression


*** Test Cases ***
Every Table Matches Its Contract
    [Tags]    quality    robot:continue-on-failure
    @{tables}=    Get Contract Tables
    FOR    ${table}    IN    @{tables}
        Table Should Match Contract    ${table}
    END

Raw Records Reach Staging Or Quarantine
    [Tags]    completeness    robot:continue-on-failure
    @{tables}=    Get Contract Tables    having=raw
    Skip If    not $tables    no contract names a raw source (raw: {source: ...})
    FOR    ${table}    IN    @{tables}
        Raw Records Should Reconcile    ${table}
    END

Layers Reconcile
    [Tags]    completeness    robot:continue-on-failure
    @{tables}=    Get Contract Tables    having=reconcile
    Skip If    not $tables    no contract declares reconcile entries
    FOR    ${table}    IN    @{tables}
        Rows Should Reconcile    ${table}
    END

No Schema Drift At All
    [Tags]    drift
    Breaking Drift Count Should Be    0

Scenarios Across Deliveries Pass
    [Tags]    scenario    robot:continue-on-failure
    ${local}=    Warehouse Is Local
    Skip If    not ${local}    scenarios write their own deliveries and databases: local mode only
    @{names}=    Get Scenarios
    FOR    ${name}    IN    @{names}
        Scenario Should Pass    ${name}
    END

A Rerun Of The Run Date Changes Nothing
    [Tags]    completeness
    ${local}=    Warehouse Is Local
    Skip If    not ${local}    a deployed warehouse is never written to
    ${before}=    Get Row Count    gold.fact_orders
    Run ETL For Date
    ${after}=    Get Row Count    gold.fact_orders
    Should Be Equal As Integers    ${after}    ${before}
    Table Should Match Contract    gold.fact_orders
