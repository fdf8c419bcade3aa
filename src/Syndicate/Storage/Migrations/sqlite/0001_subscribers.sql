-- Subscribers: one row per address ever seen; an unsubscribed row stays as a suppression entry.
CREATE TABLE subscribers (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    email                TEXT NOT NULL,
    email_key            TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
    source               TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    confirmed_at         TEXT NULL,
    unsubscribed_at      TEXT NULL,
    confirmation_sent_at TEXT NULL
);

CREATE INDEX subscribers_status ON subscribers (status);
