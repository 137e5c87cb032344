-- A system-versioned (temporal) table: valid_from/valid_to are written by
-- the server, never by an INSERT or UPDATE.
CREATE TABLE [dbo].[exchange_rates] (
    [currency]   CHAR (3)        NOT NULL,
    [rate]       DECIMAL (18, 6) NOT NULL,
    [valid_from] DATETIME2 (7)   GENERATED ALWAYS AS ROW START NOT NULL,
    [valid_to]   DATETIME2 (7)   GENERATED ALWAYS AS ROW END NOT NULL,
    CONSTRAINT [PK_exchange_rates] PRIMARY KEY CLUSTERED ([currency] ASC),
    PERIOD FOR SYSTEM_TIME ([valid_from], [valid_to])
)
WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE=[dbo].[exchange_rates_history], DATA_CONSISTENCY_CHECK=ON));
