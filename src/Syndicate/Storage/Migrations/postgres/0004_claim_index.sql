-- Claims take the due deliveries in (next_attempt_at, id) order. With id in the index a claim reads
-- its batch straight from the index, however many rows of the digest are already sent; without it
-- PostgreSQL either sorted every pending row or walked the primary key past every sent one, for each
-- batch. The new index starts with the old one's columns, so that one goes.
CREATE INDEX deliveries_claim ON deliveries (digest_id, status, next_attempt_at, id);
DROP INDEX deliveries_work;
