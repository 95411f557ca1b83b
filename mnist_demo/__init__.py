"""The MNIST demo library: data, models, training, evaluation, storage and prediction.

Nothing here imports Streamlit; TensorFlow is imported only where a function needs it,
so that light callers (the app's Home page, the CLI's `presets`) start fast.
"""

__version__ = "0.1.0"
