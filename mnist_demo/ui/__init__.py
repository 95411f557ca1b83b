"""The Streamlit glue: the only part of `mnist_demo` that imports Streamlit.

- `text`: the learner's language, `t()` and `explain()` for any library error;
- `resources`: what every session shares, loaded once per process (`st.cache_resource`);
- `runs`: the trainings this session started, and saving, continuing and comparing them;
- `model_choice`: the model picker of Draw and Evaluate, uploaded models, evaluations;
- `fixes`: the two places where the app changes Streamlit's own behaviour, each guarded.

Nothing here is imported by the rest of the library, which runs and is tested without Streamlit.
`text` imports neither numpy nor TensorFlow: the frame uses it before the heavy imports.
"""
