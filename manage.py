#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spheres.settings")
    # manage.py is the developer's entry point: without a setting it runs in development mode (the
    # embedded default). Deployments set DJANGO_DEBUG=0 in their environment (.env, compose), and
    # the web server (wsgi) and the Celery app keep DEBUG off unless told otherwise.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
