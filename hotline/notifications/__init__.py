"""The transactional outbox: SMS and e-mail rows written with the event, delivered by a worker."""
