# One image for every process of the Procfile (web, worker, release); compose.yaml runs them.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# Hashed, compressed static files are built into the image; whitenoise serves them.
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home --uid 10001 healthscore
USER healthscore
EXPOSE 8000
CMD ["gunicorn", "healthscore.wsgi", "-c", "gunicorn.conf.py"]
