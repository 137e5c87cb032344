CREATE TABLE [warehouse].[fact_sales] (
    [id]         BIGINT          IDENTITY (1, 1) NOT NULL,
    [product_id] INT             NOT NULL,
    [quantity]   INT             NOT NULL,
    [sale_date]  DATE            NOT NULL,
    [amount]     DECIMAL (12, 2) NULL,
    [run_id]     INT             NULL,
    CONSTRAINT [PK_fact_sales] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [FK_fact_sales_products] FOREIGN KEY ([product_id]) REFERENCES [dbo].[products] ([id]),
    CONSTRAINT [FK_fact_sales_log_runs] FOREIGN KEY ([run_id]) REFERENCES [etl].[log_runs] ([id])
);


GO
CREATE NONCLUSTERED INDEX [IX_fact_sales_sale_date]
    ON [warehouse].[fact_sales]([sale_date] ASC)
    INCLUDE([product_id], [quantity]);
