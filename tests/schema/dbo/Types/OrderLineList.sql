-- A table type for passing order lines to procedures. Quarry does not model
-- table types; the importer skips this statement and counts it.
CREATE TYPE [dbo].[OrderLineList] AS TABLE (
    [product_id] INT            NOT NULL,
    [quantity]   INT            NOT NULL,
    [unit_price] DECIMAL (18, 2) NOT NULL,
    PRIMARY KEY CLUSTERED ([product_id] ASC));
