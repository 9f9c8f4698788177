# Sphères: the production image. One image for every process (web, worker, beat, migrate);
# docker-compose.yml picks the command. Secrets come from the environment at run time only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SPHERES_VAR_DIR=/app/var \
    SPHERES_PRIVATE_STORAGE_ROOT=/app/var/private \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=3

WORKDIR /app

# The application never runs as root.
RUN groupadd --system --gid 10001 spheres \
    && useradd --system --uid 10001 --gid spheres --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin spheres

# Explicit copies, not `COPY . .`: the build context may hold .env, .venv and var/ (real secrets
# and data) and must never end up in an image. A new app directory must be added here and in
# pyproject.toml's [tool.setuptools.packages.find].
COPY pyproject.toml ./
COPY spheres ./spheres
COPY referrals ./referrals
COPY followups ./followups
COPY committees ./committees
COPY research ./research
RUN pip install . && rm -rf build ./*.egg-info

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# The wildcard keeps the build working before the first catalogue exists.
COPY locale* ./locale/

# Build-only settings: DEBUG off so collectstatic writes the hashed manifest WhiteNoise serves.
# These throwaway values exist only for these two commands; none of them is baked into ENV.
RUN env DJANGO_DEBUG=0 \
        DJANGO_SECRET_KEY=build-only-throwaway-secret-key-never-used-at-run-time \
        DJANGO_ALLOWED_HOSTS=build \
        SPHERES_MFA_ENCRYPTION_KEY=coXTlBWiHfXNAFseQz9AYa8-OugZ6cJHyeCeTLwVsSI= \
        SPHERES_RESEARCH_ID_KEY=build-only-throwaway-research-id-key-never-used-at-run-time \
        EMAIL_URL=dummymail:// \
        python manage.py compiletranslations \
    && env DJANGO_DEBUG=0 \
        DJANGO_SECRET_KEY=build-only-throwaway-secret-key-never-used-at-run-time \
        DJANGO_ALLOWED_HOSTS=build \
        SPHERES_MFA_ENCRYPTION_KEY=coXTlBWiHfXNAFseQz9AYa8-OugZ6cJHyeCeTLwVsSI= \
        SPHERES_RESEARCH_ID_KEY=build-only-throwaway-research-id-key-never-used-at-run-time \
        EMAIL_URL=dummymail:// \
        python manage.py collectstatic --noinput

# Code and static files stay root-owned (read-only to the app); only var/ is writable.
# The private directory must exist with the right owner before VOLUME so a fresh named volume
# inherits it.
RUN mkdir -p /app/var/private \
    && chown -R spheres:spheres /app/var \
    && chmod 0750 /app/var /app/var/private

VOLUME ["/app/var/private"]

USER spheres:spheres

EXPOSE 8000

# Workers: WEB_CONCURRENCY (gunicorn reads it). TLS ends at the reverse proxy in front.
CMD ["gunicorn", "spheres.wsgi:application", "--bind", "0.0.0.0:8000"]
