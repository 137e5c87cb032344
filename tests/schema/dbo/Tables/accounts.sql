-- Money moves between accounts in transactions (booklet chapter 8); the
-- rowversion column detects concurrent updates (optimistic concurrency).
CREATE TABLE [dbo].[accounts] (
    [id]         INT             IDENTITY (1, 1) NOT NULL,
    [owner_id]   INT             NOT NULL,
    [balance]    DECIMAL (18, 2) CONSTRAINT [DF_accounts_balance] DEFAULT ((0)) NOT NULL,
    [currency]   CHAR (3)        CONSTRAINT [DF_accounts_currency] DEFAULT ('EUR') NOT NULL,
    [version]    ROWVERSION      NOT NULL,
    [updated_at] DATETIME2 (7)   NULL,
    CONSTRAINT [PK_accounts] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [FK_accounts_users] FOREIGN KEY ([owner_id]) REFERENCES [dbo].[users] ([id]),
    CONSTRAINT [CK_accounts_balance] CHECK ([balance] >= (0))
);
