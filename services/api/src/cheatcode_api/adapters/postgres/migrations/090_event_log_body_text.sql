-- The body is the event's payload as appended (JSON text), kept as text: stored as a jsonb string
-- it cost an encoding in the API and a parse in PostgreSQL per event, and no query looks inside it
-- (the audit API decodes it). ``#>> '{}'`` is a jsonb string's own text (an object's JSON text).
ALTER TABLE event_log ALTER COLUMN body TYPE text USING body #>> '{}';
