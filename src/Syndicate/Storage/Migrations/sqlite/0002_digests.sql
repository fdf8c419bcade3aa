-- The item ledger: every post ever published, once, with the feed id and address it first had.
-- carried_by is the digest that carried the post; 0 marks the posts that were already published
-- when the database was new, so a new installation does not mail the whole archive.
CREATE TABLE published_posts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    post_key      TEXT NOT NULL UNIQUE,
    feed_id       TEXT NOT NULL,
    url           TEXT NOT NULL,
    source_file   TEXT NOT NULL,
    title         TEXT NOT NULL,
    post_date     TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    carried_by    INTEGER NULL
);

CREATE INDEX published_posts_uncarried ON published_posts (carried_by, post_date);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE digests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sending', 'done')),
    planned_at  TEXT NOT NULL,
    finished_at TEXT NULL
);

CREATE TABLE digest_posts (
    digest_id INTEGER NOT NULL REFERENCES digests (id),
    post_id   INTEGER NOT NULL REFERENCES published_posts (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (digest_id, post_id)
);

-- One row per subscriber active when the digest was planned: claimed, sent and marked, so a crash
-- or restart loses nothing and sends nothing twice but what was in flight. A resend adds rows of
-- its own (resend_id), so the first delivery's outcome stays on record.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    digest_id       INTEGER NOT NULL REFERENCES digests (id),
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id),
    resend_id       INTEGER NOT NULL DEFAULT 0,
    forced          INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT NULL,
    claimed_at      TEXT NULL,
    finished_at     TEXT NULL,
    last_error      TEXT NULL,
    UNIQUE (digest_id, subscriber_id, resend_id)
);

CREATE INDEX deliveries_work ON deliveries (digest_id, status, next_attempt_at);

-- Every resend an operator asked for: who, when, how, how many; request_id makes a repeated
-- request (a retried HTTP call, a double click) a no-op.
CREATE TABLE resends (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    digest_id    INTEGER NOT NULL REFERENCES digests (id),
    request_id   TEXT NOT NULL UNIQUE,
    mode         TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    deliveries   INTEGER NOT NULL
);
