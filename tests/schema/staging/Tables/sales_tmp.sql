-- Raw daily sales, bulk-loaded as they arrive (booklet 12.1). A heap: no key.
CREATE TABLE [staging].[sales_tmp] (
    [product_id] INT             NOT NULL,
    [qty]        INT             NOT NULL,
    [sale_dt]    DATETIME2 (0)   NOT NULL,
    [store_code] VARCHAR (10)    NULL,
    [amount]     DECIMAL (12, 2) NULL,
    [loaded_at]  DATETIME2 (7)   CONSTRAINT [DF_sales_tmp_loaded_at] DEFAULT (sysutcdatetime()) NOT NULL
);
