CREATE SCHEMA [warehouse]
    AUTHORIZATION [dbo];
