-- One database per service (the docker-compose.postgres.yml override): each owns its schema and
-- migrates it at start. Runs once, when the data volume is created.
CREATE DATABASE users OWNER app;
CREATE DATABASE auth OWNER app;
