# One image for every service; each Deployment picks its entry point (python -m cheatcode_<svc>).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap util-linux \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY constraints.txt ./
COPY libs ./libs
COPY infra ./infra
COPY services ./services
RUN pip install --no-cache-dir -c constraints.txt ./libs/contracts ./libs/runtime ./infra \
    ./services/api ./services/agent ./services/sandbox ./services/billing ./services/integrations
USER 10001
