-- Aggregate over the whole events table (1M rows by default).
SELECT kind, count(*), sum(amount) FROM events GROUP BY kind;
