-- Logs every balance change. Because of this trigger, an UPDATE .. OUTPUT
-- on dbo.accounts must use OUTPUT .. INTO a table variable.
CREATE TRIGGER [dbo].[trg_accounts_balance_log]
    ON [dbo].[accounts]
    AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(balance)
        INSERT INTO dbo.logs ([level], msg)
        SELECT 20, CONCAT(N'account ', i.id, N' balance ', d.balance, N' -> ', i.balance)
        FROM inserted AS i
             INNER JOIN deleted AS d ON d.id = i.id;
END
