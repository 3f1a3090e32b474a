*** Settings ***
Documentation       etlq's Robot suites: smoke (every deploy) and regression (nightly).
...                 Run: robot --outputdir reports/robot --listener allure_robotframework:reports/allure-results robot/
Resource            resources/warehouse.resource
Suite Setup         Open Warehouse Under Test
Suite Teardown      Close Warehouse Opened Here
