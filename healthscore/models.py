"""No models: this module exists so that `migrate` sends healthscore its post_migrate signal (apps.py)."""
