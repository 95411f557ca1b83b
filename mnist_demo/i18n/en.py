"""The English texts of the app, by key, grouped by the page that shows them; `common` holds
texts more than one page shows and `error` the errors the library raises."""

CATALOG: dict[str, str] = {
    # frame
    "frame.nav.home": "Home",
    "frame.nav.train": "Train",
    "frame.nav.draw": "Draw",
    "frame.settings": "{language} · {dataset}",
    "frame.settings_help": "Language and data set",
    "frame.dataset": "Data set",
    "frame.dataset_help": "MNIST: handwritten digits. Fashion-MNIST: the same format with ten kinds of clothing.",
    "frame.training": "{label}: epoch {epoch}/{epochs}",
    "frame.queued": "{label}: waiting for a free slot, place {place} (about {wait})",
    "frame.testing": "{label}: testing on the test set",
    "frame.nav.robust": "Robustness",
    "frame.nav.evaluate": "Evaluate",
    "frame.nav.compare": "Compare",
    "frame.nav.data": "Data",
    "frame.nav.teacher": "Teacher",
    "frame.title": "MNIST demo",
    "frame.language": "Language / 言語",
    "frame.workspace": "Your workspace",
    "frame.nickname": "Your name",
    "frame.link": (
        "Your link: open it on any device to come back to your runs and models. Keep it to yourself: whoever has it "
        "can act as you."
    ),
    "frame.unexpected": (
        "Something went wrong on the server, and it was not your doing. Reload the page to go on; if it happens again, "
        "tell your teacher this code: {id}."
    ),
    "frame.retry": "Try again",

    # common
    "common.dataset.mnist": "MNIST digits",
    "common.dataset.fashion-mnist": "Fashion-MNIST",
    "common.kind.mlp": "MLP (dense layers)",
    "common.kind.cnn": "CNN (convolutions)",
    "common.state.queued": "waiting in the queue",
    "common.state.running": "training",
    "common.state.stopping": "stopping",
    "common.state.stopped": "stopped",
    "common.state.finished": "finished",
    "common.state.failed": "failed",
    "common.state.interrupted": "interrupted",
    "common.no_data": "This data set is not available, so there is nothing to train on. {problem}",
    "common.setting.preset": "Preset (the tutorials' models and our own)",
    "common.setting.epochs": "Epochs",
    "common.setting.batch_size": "Batch size",
    "common.setting.learning_rate": "Learning rate",
    "common.setting.optimizer": "Optimizer",
    "common.setting.train_images": "Training images",
    "common.setting.normalize": "Normalize pixels (divide by 255)",
    "common.setting.normalized": "/255",
    "common.setting.raw": "raw 0-255",
    "common.setting.queued": (
        "Waiting for a free training slot on this server: place {place} in the queue, starting in about {wait}."
    ),
    "common.duration.seconds": "{n} s",
    "common.duration.minutes": "{n} min",
    "common.chart.loss": "Loss",
    "common.chart.accuracy": "Accuracy",
    "common.chart.epoch": "Epoch",
    "common.chart.batch": "training, per batch (smoothed)",
    "common.chart.train_epoch": "training, per epoch",
    "common.chart.validation": "validation (held-out 10 % of the training images), per epoch",
    "common.chart.validation_test": "validation (the test set, as the tutorials did), per epoch",
    "common.chart.probability": "Probability",
    "common.chart.digit": "Digit",
    "common.chart.class": "Class",
    "common.metric.loss": "Training loss",
    "common.metric.accuracy": "Training accuracy",
    "common.metric.val_loss": "Validation loss",
    "common.metric.val_accuracy": "Validation accuracy",
    "common.metric.test_accuracy": "Test accuracy",
    "common.metric.test_loss": "Test loss",
    "common.metric.seconds": "Training seconds",
    "common.chart.train_short": "training",
    "common.models.uploaded": "Uploaded: {name}",
    "common.class.fashion-mnist.0": "T-shirt/top",
    "common.class.fashion-mnist.1": "Trouser",
    "common.class.fashion-mnist.2": "Pullover",
    "common.class.fashion-mnist.3": "Dress",
    "common.class.fashion-mnist.4": "Coat",
    "common.class.fashion-mnist.5": "Sandal",
    "common.class.fashion-mnist.6": "Shirt",
    "common.class.fashion-mnist.7": "Sneaker",
    "common.class.fashion-mnist.8": "Bag",
    "common.class.fashion-mnist.9": "Ankle boot",
    "common.models.default": "Shipped {dataset} model",
    "common.models.shared": "Shared: {name}",
    "common.models.run": "Your run {label} · test accuracy {acc}",
    "common.models.saved": "Saved: {name}",
    "common.models.missing": "That model file is gone. Pick another model.",
    "common.models.broken": "That model cannot be used: {error}",
    "common.chart.pixel_hover": "row %{y}, column %{x}: %{z}",
    "common.preset.mlp-512x2": "Keras mnist_mlp tutorial: 2 x Dense 512 + Dropout 0.2, RMSprop",
    "common.preset.mlp-64": "Smallest MLP tutorial: Dense 64, RMSprop (reported 0.9739)",
    "common.preset.mlp-256-100": "Dense 256 + Dense 100 with plain SGD, lr 0.01 (reported 0.9578)",
    "common.preset.keras-mnist-cnn": (
        "The classic Keras mnist_cnn example, Adadelta lr 1.0 (reported 0.9812 after 1 epoch)"
    ),
    "common.preset.cnn-3conv": "Three convolutions (TensorFlow tutorial style), RMSprop",
    "common.preset.cnn-fast": (
        "This app's own: 2 small conv + batch norm, Adam with a one-cycle schedule; > 99 % in ~40 s"
    ),
    "common.preset.cnn-fastest": (
        "Fastest to about 99 %: two small convolutions (16 and 32 filters) with batch norm, 1 epoch. What makes it "
        "fast: batch norm; many small steps (batch 32); a one-cycle learning rate that climbs to the one set here, "
        "then comes down; label smoothing 0.1 instead of dropout; one pass over the data is enough"
    ),
    "common.preset.cnn-draw": "The shipped default: 4 conv + batch norm, trained with --augment for drawn digits",

    # home
    "home.title": "Learn deep learning with handwritten digits",
    "home.intro": (
        "This app trains real neural networks on **MNIST**, 70,000 handwritten digits of 28x28 pixels.\n\n1. **Train** "
        "a multi-layer perceptron (MLP) or a convolutional network (CNN) and watch its loss and accuracy change after "
        "every batch.\n2. Switch **normalization** (pixels / 255) off and train again, to *see* why it matters.\n3. "
        "**Draw** a digit and ask the model what it is, with the probability of every class."
    ),
    "home.datasets": "Data sets",
    "home.dataset_local": "- **{name}**: ready",
    "home.dataset_missing": (
        "- **{name}**: not found locally. Set `MNIST_DEMO_DATA_DIR` to a folder with its IDX files, or run the app "
        "once with internet access and Keras downloads it."
    ),
    "home.samples": "The first {count} test images of {name}",
    "home.next": "Where to go next",
    "home.link_train": "Train a model and watch it learn",
    "home.link_draw": "Draw a digit and let a model read it",

    # train
    "train.title": "Train a model",
    "train.kind": "Model type",
    "train.kind_help": (
        "An MLP sees the image as 784 separate numbers; a CNN looks at small patches and keeps their position, which "
        "suits images."
    ),
    "train.epochs_help": "How many times the model sees every training image.",
    "train.batch_size_help": "How many images are averaged for one update of the weights.",
    "train.learning_rate_help": "How big each update step is. Adadelta expects 1.0; Adam and RMSprop about 0.001.",
    "train.dropout": "Dropout",
    "train.dropout_help": "Fraction of units switched off at random during training, against overfitting.",
    "train.width_mlp": "Hidden units (first dense layer)",
    "train.width_cnn": "Filters (first convolution)",
    "train.width_help": "Later layers are resized in proportion.",
    "train.train_images_help": "Fewer images train faster; all 60,000 give the best model.",
    "train.normalize_on": "Pixels go in as 0-1: gradients have a sensible size and training is smooth.",
    "train.normalize_off": (
        "Raw pixels 0-255 go in: the first layer's outputs are 255 times larger, updates can overshoot and the "
        "curves turn erratic. The normalization experiment on Compare measures it."
    ),
    "train.validate_on_test": "Validate on the test set, as the tutorials did",
    "train.validate_on_test_help": (
        "The tutorials watch the test set after every epoch. That is a leak: every choice you make while watching that "
        "curve (more epochs, another learning rate) fits the test set a little, and its accuracy stops being an honest "
        "measure. By default the app holds out the last 10 % of the training images for that, as Keras' own MNIST "
        "example does, and uses the test set once, at the end."
    ),
    "train.start": "Train",
    "train.stop": "Stop",
    "train.nothing_yet": "Choose the settings and press Train: the curves appear here as the model learns.",
    "train.starting": (
        "Starting the training. The first one on a freshly started server loads TensorFlow first: "
        "up to half a minute."
    ),
    "train.preparing": "Building the model and preparing the data: the first batches arrive in a few seconds.",
    "train.progress": "Epoch {epoch}/{epochs} · {rate} images/s · {elapsed} s elapsed · about {eta} left",
    "train.progress_done.one": "1 epoch · {rate} images/s · {elapsed} s",
    "train.progress_done.other": "{n} epochs · {rate} images/s · {elapsed} s",
    "train.testing": "Training has ended. Testing the model on the {n} test images…",
    "train.result": "Result",
    "train.failed": "Training failed: {error}",
    "train.stopped_note": "Stopped early ({reason}). The model is evaluated as it was when it stopped.",
    "train.bn_note": (
        "Stopped this early, the test accuracy ({test}) is far below the last batches' ({batch}): batch normalization "
        "tests with running averages of the batches' statistics, which after {batches} batches still lag behind. After "
        "an epoch or so the two agree."
    ),
    "train.interrupted_note": (
        "This run was interrupted: the server stopped while it trained. Its curves up to then are kept; train it again "
        "to get a model."
    ),
    "train.unsaved_note": (
        "Kept in your workspace with your other runs (the last 10 you did not save stay there). Save it under a name "
        "to keep it for good."
    ),
    "train.summary": "Model summary (like model.summary())",
    "train.total_params": "Total parameters: {n}",
    "train.save_name": "Save as",
    "train.save": "Save",
    "train.saved": "Saved as {name} in your workspace: pick it on the Draw and Evaluate pages.",
    "train.save_replace": "You already have a model called {name}. Replace it with this run's model?",
    "train.replace": "Replace it",
    "train.keep_both": "Keep the old one",
    "train.save_failed": "Not saved: {error}",
    "train.download": "Download .keras",
    "train.code": "Keras code for these settings",
    "train.code_help": (
        "The same model, written the way the tutorials write it. Copy it into a notebook: it updates as you move the "
        "sliders."
    ),
    "train.code_notebook": "Download as a Jupyter notebook",
    "train.code_notebook_help": (
        "This code as a notebook, step by step with explanations: it trains this model on the same images, draws the "
        "learning curves and shows predictions. Open it in Jupyter, VS Code or Google Colab."
    ),
    "train.more_epochs": "More epochs",
    "train.metrics_caption": (
        "Training: the average over the epoch's batches, while the model was still learning. Validation: measured "
        "after the epoch, so it can be the better of the two."
    ),
    "train.loss_floor": (
        "With label smoothing {smoothing} the training and validation losses count the smoothed targets, which are "
        "not 100 % sure themselves, so they cannot go below {floor}. The test loss is measured against the plain "
        "labels, as for every model."
    ),
    "train.more.one": "Train 1 more epoch",
    "train.more.other": "Train {n} more epochs",
    "train.upload.title": "Load a trained model (.keras)",
    "train.upload.file": "A .keras file saved by Keras 3 (up to 50 MB)",
    "train.upload.normalize": "This model expects pixels divided by 255",
    "train.upload.normalize_help": (
        "Models made by this app carry their own scaling and ignore this switch. For others, say how they were trained."
    ),
    "train.upload.load": "Load it",
    "train.upload.loaded": "Loaded {name}: pick it on the Draw and Evaluate pages.",
    "train.upload.bad": "This model cannot be used: {error}",
    "train.stopped_by_user": "stopped by user",
    "train.col_layer": "Layer (type)",
    "train.col_output": "Output shape",
    "train.col_params": "Parameters",
    "train.weights.title_dense": "Weights forming: the first 16 hidden units' 784 weights, as pictures",
    "train.weights.title_conv": "Weights forming: the first convolution's filters",
    "train.weights.caption": (
        "{layer} after {at} epochs. Grey is 0, light positive, dark negative; white and black stand for "
        "±{scale}, the largest weight."
    ),
    "train.notebook.intro": (
        "# {model} on {dataset}\n\n"
        "The model you set up on the Train page of the MNIST demo, written out in Keras step by step. Run the cells "
        "from top to bottom (Shift+Enter runs one cell and moves on). You need Python 3 with `keras` (and TensorFlow), "
        "`numpy` and `matplotlib`.\n\n"
        "Settings: epochs {epochs}, batch size {batch_size}, optimizer {optimizer}, learning rate {learning_rate}, "
        "training images: {train_images}."
    ),
    "train.notebook.all_images": "all",
    "train.notebook.imports": (
        "## 1. The tools\n\n"
        "numpy holds the images as arrays, matplotlib draws the curves and the pictures, Keras builds and trains the "
        "network. The random seed is fixed, as in the app, so the network starts from the same random weights every "
        "time you run the notebook."
    ),
    "train.notebook.data": (
        "## 2. The data\n\n"
        "The app reads {dataset} from its data folder, the one the environment variable `MNIST_DEMO_DATA_DIR` names. "
        "Set it before you start Jupyter, or write the folder into `DATA_DIR`, to read the same files here. They are "
        "in IDX format, gzipped or not: a short header (a magic number whose last byte is the number of dimensions, "
        "then the size of each dimension), then one byte per pixel or label. Without a folder, Keras downloads the "
        "data set instead."
    ),
    "train.notebook.subset": (
        "## 3. How many images\n\n"
        "Like the app's **training images** setting, training uses only the first `TRAIN_IMAGES` training images "
        "(`None`: all of them). Fewer images train faster; all of them give the better model. `TEST_IMAGES` does the "
        "same for the test images."
    ),
    "train.notebook.normalize_on": (
        "## 4. The pixels, normalized\n\n"
        "The pixels are whole numbers from 0 to 255. The network learns much better from 0-1, so they are divided by "
        "255. Tutorials often do that before training (`x_train = x_train / 255`). The app does it inside the model, "
        "as its first layer `Rescaling(1 / 255)`, and so does this notebook: the model has exactly the app's layers "
        "and parameter count (a `Rescaling` layer has no weights), and a saved model carries its own scaling, so "
        "nobody who uses it can forget it. Either way the network sees the same numbers."
    ),
    "train.notebook.normalize_off": (
        "## 4. The pixels, not normalized\n\n"
        "The pixels are whole numbers from 0 to 255, and this run keeps them so: the app's normalization switch is "
        "off. The app's models always start with a `Rescaling` layer; here it is `Rescaling(1.0)`, which changes "
        "nothing, so the model has exactly the app's layers and parameter count. Expect huge outputs from the first "
        "layer, updates that overshoot and erratic curves. Then change it to `Rescaling(1 / 255)` and compare."
    ),
    "train.notebook.one_hot": (
        "## 5. Labels as one-hot vectors\n\n"
        "Each label is a class number from 0 to 9. `to_categorical` turns it into a one-hot vector of ten numbers with "
        "a 1 at the label's place: 3 becomes [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]. The loss `categorical_crossentropy` "
        "compares that with the ten probabilities the network outputs. `labels_test` keeps the plain test labels for "
        "the end."
    ),
    "train.notebook.sparse": (
        "## 5. Labels as class numbers\n\n"
        "Each label stays a class number from 0 to 9: the loss `sparse_categorical_crossentropy` takes them as they "
        "are and computes the same number as `categorical_crossentropy` does with one-hot labels. `labels_test` keeps "
        "the test labels for the end."
    ),
    "train.notebook.validation_holdout": (
        "## 6. Images to validate on\n\n"
        "The last 10 % of the training images are set aside and not trained on: after each epoch the network is "
        "measured on them, as the app does. That validation curve is what you watch to choose the epochs, the "
        "learning rate, the width. The test images stay untouched until the very end, so the test accuracy is a fair "
        "measure of images nobody tuned anything for (Keras' own MNIST example does the same, with "
        "`validation_split=0.1`)."
    ),
    "train.notebook.validation_test": (
        "## 6. Validating on the test images\n\n"
        "This run validates on the test images after each epoch, as the tutorials did and as the app does with "
        "**Validate on the test set, as the tutorials did** on. That is a leak: whatever you choose while you watch "
        "that curve (epochs, learning rate, width) fits the test images a little too, and the test accuracy stops "
        "being a fair measure. Turn the switch off in the app to get the notebook that holds out 10 % of the training "
        "images instead."
    ),
    "train.notebook.model_mlp": (
        "## 7. The model: an MLP\n\n"
        "`Flatten` lines the 28×28 pixels up as 784 numbers. Each `Dense` layer connects every input to every one of "
        "its units, with the ReLU activation. `Dropout`, if the model has it, switches units off at random during "
        "training, against overfitting. The last layer has 10 units and softmax: one probability per class. `summary()"
        "` lists each layer's output shape and parameter count; the total is the one the Train page's model summary "
        "shows."
    ),
    "train.notebook.model_cnn": (
        "## 7. The model: a CNN\n\n"
        "`Reshape` gives the image one channel. Each `Conv2D` slides small filters over the image and keeps where it "
        "found their patterns; `BatchNormalization`, if the model has it, keeps each layer's outputs in a steady "
        "range; `MaxPooling2D` halves the width and height; `Dropout` switches units off at random during training, "
        "against overfitting. `Flatten` and the `Dense` layers then decide, and the last layer's softmax gives one "
        "probability per class. `summary()` lists each layer's output shape and parameter count; the total is the one "
        "the Train page's model summary shows."
    ),
    "train.notebook.compile": (
        "## 8. Loss, optimizer, learning rate\n\n"
        "`compile` says what training minimizes, the loss `{loss}`, and how: the optimizer {optimizer}, with learning "
        "rate {learning_rate}. Accuracy is measured alongside."
    ),
    "train.notebook.one_cycle": (
        "The learning rate follows the app's one-cycle schedule: it starts at a tenth of {learning_rate}, climbs to "
        "{learning_rate} during the first quarter of the steps, then comes down along a cosine curve. `steps` is the "
        "number of weight updates of the whole training: epochs × batches per epoch."
    ),
    "train.notebook.label_smoothing": (
        "Label smoothing {smoothing}: the target is not 100 % for the right digit but {target}, with the rest shared "
        "by the other nine. The network stops pushing its answers towards certainty, which it cannot reach anyway, "
        "and learns more per image: this is what takes the small CNN to 99 % in a single epoch."
    ),
    "train.notebook.fit": (
        "## 9. Training\n\n"
        "`fit` shows the network every training image {epochs} time(s) (epochs), {batch_size} images at a time (the "
        "batch size), and updates the weights after each batch. After each epoch it also measures loss and accuracy on "
        "the validation images (`validation_data`): a validation curve that turns up while the training curve goes on "
        "down is overfitting."
    ),
    "train.notebook.test_once": (
        "Then, once, the test images: `evaluate` gives the test loss and accuracy, the numbers the app shows as the "
        "run's result."
    ),
    "train.notebook.test_leak": (
        "The last epoch's validation numbers are the test loss and accuracy (the app shows those as the run's "
        "result): there is no unseen set left to measure."
    ),
    "train.notebook.curves": (
        "## 10. The learning curves\n\n"
        "Loss and accuracy after each epoch, on the training images and on the validation images, like the app's "
        "chart. After one epoch each curve is a single point: train for more epochs to watch them move."
    ),
    "train.notebook.first_ten": (
        "## 11. The first ten test images\n\n"
        "`predict` gives ten probabilities per image; the predicted class is the most probable one (`argmax`). Compare "
        "it with the true label, as the Evaluate page does."
    ),
    "train.notebook.grid": (
        "## 12. Thirty test images\n\n"
        "Above each image, the prediction: blue when it is right, red when it is wrong, and then the true label in "
        "brackets."
    ),
    "train.notebook.next": (
        "## 13. What next\n\n"
        "`model.save` writes the trained model into a `.keras` file. Upload it on the app's Train page (Load a trained "
        "model), then draw digits for it and evaluate it. Then change one thing and run the notebook again: the "
        "normalization, the number of epochs or images, the width of a layer, the optimizer."
    ),

    # draw
    "draw.title.mnist": "Draw a digit",
    "draw.title.fashion-mnist": "Draw a piece of clothing",
    "draw.model": "Model",
    "draw.model_info": "Using {name} · input pixels {scaling}",
    "draw.source": "Input",
    "draw.source_canvas": "Draw",
    "draw.source_upload": "Upload a picture",
    "draw.instructions.mnist": "Draw one digit, large, with the mouse or a finger. The bin icon or Clear starts over.",
    "draw.instructions.fashion-mnist": (
        "Draw one piece of clothing, large: a T-shirt, trousers, a dress, a sneaker, a bag… The bin icon or Clear "
        "starts over."
    ),
    "draw.clear": "Clear",
    "draw.upload.mnist": "A PNG or JPEG of one digit",
    "draw.upload.fashion-mnist": "A PNG or JPEG of one piece of clothing",
    "draw.upload_help": "Up to 5 MB. Dark ink on a light background or light on dark both work.",
    "draw.bad_upload": "That file cannot be used: {error}.",
    "draw.empty.mnist": "Draw a digit on the canvas: the prediction appears here.",
    "draw.empty.fashion-mnist": "Draw a piece of clothing on the canvas: the prediction appears here.",
    "draw.empty_upload": "Upload a picture: the prediction appears here.",
    "draw.noise": (
        "This does not look like a drawing of a digit (scattered dots, or ink all over). Clear the canvas and draw one "
        "digit with a few strokes."
    ),
    "draw.prediction": "## Prediction: {answer}\n{confidence} sure",
    "draw.smoothed": (
        "This model learned with label smoothing {smoothing}: its targets were {most} sure, so it is never much "
        "surer than that, even of a clear digit."
    ),
    "draw.probabilities.mnist": "Probability of each digit",
    "draw.probabilities.fashion-mnist": "Probability of each class",
    "draw.not_a_digit": (
        "**This doesn't look like a digit.** The model still had to pick one: softmax always spreads a probability of "
        "1 over the ten digits, so the forced answer is {answer} at {confidence}."
    ),
    "draw.inspector": "Preprocessing inspector: switch steps off and watch the probabilities",
    "draw.step_crop": "Crop to the ink",
    "draw.step_scale": "Scale to 20 px",
    "draw.step_center": "Centre of mass",
    "draw.pipeline": "What the model saw",
    "draw.step_raw": "Canvas (ink)",
    "draw.step_raw_upload": "Picture (ink)",
    "draw.step_crop_image": "Cropped to the ink",
    "draw.step_scaled": "Long side 20 px",
    "draw.step_centered": "Centred in 28x28",
    "draw.step_model_input": "Model input ({scale})",
    "draw.inside.title": "Inside the model: what each layer made of this drawing, and why it answered that",
    "draw.inside.margin_sure": (
        "The model answered **{answer}** ({p}); its runner-up is **{runner}** ({q}). "
        "The margin between them is **{margin}**: a clear lead, it did not hesitate."
    ),
    "draw.inside.margin_unsure": (
        "The model answered **{answer}** ({p}); its runner-up is **{runner}** ({q}). "
        "The margin between them is only **{margin}**: it hesitated between the two."
    ),
    "draw.inside.saliency": "Which pixels pushed the answer",
    "draw.inside.saliency_help": (
        "Integrated gradients: each pixel's share of the answer's score, added up along the way from a black "
        "image to this drawing. Red pushed towards the answer, blue against it. Raw gradients are not used: "
        "for a small network they are noisy and miss strokes the model is already sure of."
    ),
    "draw.inside.saliency_answer": "What makes it a {answer}",
    "draw.inside.saliency_canvas": "The same, on your drawing",
    "draw.inside.saliency_other": "What makes it look like a {other}",
    "draw.inside.unsure": (
        "The model is unsure between {answer} and {other}: compare the two maps to see which strokes speak for each."
    ),
    "draw.inside.layers": "Layer by layer",
    "draw.inside.layers_help": (
        "Each convolution's feature maps (after its activation), strongest first; each dense layer's units "
        "as a strip, white for silent and red for firing; then the softmax."
    ),
    "draw.inside.layers_help_dense": (
        "Each dense layer's units as a strip, white for silent and red for firing; then the softmax."
    ),
    "draw.inside.maps": "{layer} · {shape} · the {shown} strongest of {channels} maps",
    "draw.inside.units": "{layer} · {units} units, {firing} firing",
    "draw.inside.softmax": "Softmax: {top}",
    "draw.inside.unit_title_conv": "What a first-layer filter looks for",
    "draw.inside.unit_title_dense": "What a first-layer unit looks for",
    "draw.inside.unit_pick_conv": "Filter",
    "draw.inside.unit_pick_dense": "Unit",
    "draw.inside.unit_conv": "Filter {n}",
    "draw.inside.unit_dense": "Unit {n}",
    "draw.inside.unit_help": "It starts at the one that fires most on this drawing.",
    "draw.inside.kernel": "Filter {n}'s kernel (light: positive weights, dark: negative)",
    "draw.inside.weights": "Unit {n}'s 784 weights as a picture (light: positive, dark: negative)",
    "draw.inside.fires": "Where {n} fires on this drawing (strength {value})",
    "draw.inside.neighbours": "The nearest training images, as the model sees them",
    "draw.inside.neighbours_help": (
        "Nearest in the layer before the answer (cosine distance, 0 = the same direction), among {n} training images."
    ),
    "draw.inside.neighbour": "{label} · {distance}",
    "draw.inside.no_neighbours": "This model's training images are not available, so there are no neighbours to show.",
    "draw.inside.index_building": "Reading the training images through this model, once: {done}",
    "draw.inside.index_failed": "The training images could not be read through this model: {error}",
    "draw.inside.far.unlike": (
        "This drawing is far from everything the model was trained on: no training image looks like it to "
        "the model, so its answer means little."
    ),
    "draw.inside.far.too_strong": (
        "This drawing excites the model far more than any training image does: it is unlike what it was "
        "trained on, so its answer means little."
    ),
    "draw.inside.far.too_weak": (
        "This drawing barely excites the model: it is unlike what it was trained on, so its answer means little."
    ),

    # robustness
    "robust.title": "Robustness lab: move the digit and watch the answer",
    "robust.intro": (
        "A model only knows digits like the ones it was trained on: centred, upright, of one size and stroke. "
        "Move, turn, scale, thicken, thin or add noise to a digit with the sliders and watch the answer and its "
        "probabilities move."
    ),
    "robust.no_data": "The robustness lab needs the test set: {problem}",
    "robust.source": "Digit",
    "robust.source_drawing": "My last drawing",
    "robust.source_test": "A test image",
    "robust.no_drawing": "Draw on the Draw page and your drawing appears here too.",
    "robust.index": "Test image number",
    "robust.label": "Its label: **{label}**",
    "robust.dx": "Move right (pixels)",
    "robust.dy": "Move down (pixels)",
    "robust.rotation": "Turn anticlockwise (degrees)",
    "robust.scale": "Scale (1 = as it is)",
    "robust.thickness": "Thinner (-) or thicker (+) strokes",
    "robust.noise": "Noise (grey levels)",
    "robust.reset": "Back to the original",
    "robust.before": "As it is",
    "robust.after": "Changed",
    "robust.same": "It still reads **{answer}**, at {after} (it was {before} before the change).",
    "robust.changed": "Now it reads **{answer}** at {after}. Before the change it read **{was}** at {before}.",
    "robust.probabilities": "Probabilities for the changed image",
    "robust.curves": "The whole test set, moved and turned",
    "robust.curves_help": (
        "Test accuracy on the first {n} test images, each moved by 0-6 pixels (the average over right, down, "
        "left and up) or turned by 0-90 degrees (both ways). Pick models of both kinds to see the difference."
    ),
    "robust.models": "Models on the curves",
    "robust.computing": "Measuring {name}: {done} of {total} points",
    "robust.failed": "The curves of {name} could not be measured: {error}",
    "robust.shift_axis": "Moved by (pixels)",
    "robust.rotation_axis": "Turned by (degrees)",
    "robust.accuracy_axis": "Test accuracy",
    "robust.shift_title": "Moved",
    "robust.rotation_title": "Turned",
    "robust.at_shift": (
        "{name}: {start} unmoved (first {n} test images), {moved} moved by {px} pixels, "
        "{turned} turned by {deg} degrees."
    ),
    "robust.cnn_holds": (
        "Moved by {px} pixels, the CNN keeps {cnn} and the MLP {mlp}. A CNN slides the same small filters over "
        "every place in the image and pools what they find, so a stroke that moves still meets its filter. Each "
        "of an MLP's weights belongs to one pixel's place: move the digit and other weights see it."
    ),
    "robust.cnn_holds_augmented": (
        "Moved by {px} pixels, the CNN keeps {cnn} and the MLP {mlp}. Two things help this CNN: its small filters "
        "slide over every place in the image, so a stroke that moves still meets its filter, and it was trained on "
        "digits moved at random (augmentation). To see what convolution does alone, put beside them a CNN you "
        "trained on the Train page: it learns from the digits as they are."
    ),
    "robust.mlp_holds": (
        "Moved by {px} pixels, the MLP keeps {mlp} and the CNN {cnn}: here the CNN does not hold up better. "
        "Its filters slide, but its dense layers at the end still depend on where things are."
    ),
    "robust.one_model": (
        "Add a model of the other kind to compare an MLP with a "
        "CNN (train one on the Train page if you have none)."
    ),
    "robust.augmented": (
        "{name} was trained on digits moved, turned and scaled at "
        "random (augmentation): that is much of why it holds up."
    ),

    # evaluate
    "evaluate.title": "Evaluate a model on the test set",
    "evaluate.no_data": "The test set is not available, so there is nothing to evaluate on. {problem}",
    "evaluate.other_dataset": (
        "This model was trained on {trained}; it is evaluated here on {chosen} (the data set chosen in the sidebar)."
    ),
    "evaluate.computing": "Predicting the test images: {done} of {total}",
    "evaluate.so_far": "Accuracy on the first {n} so far: {acc}",
    "evaluate.failed": "The evaluation failed: {error}",
    "evaluate.mistakes": "Mistakes",
    "evaluate.per_class": "Accuracy per class",
    "evaluate.confusion": "Confusion matrix",
    "evaluate.confusion_help": (
        "Rows: the true class; columns: what the model said. Click a cell (or pick it on the right) to see those test "
        "images."
    ),
    "evaluate.predicted": "Predicted",
    "evaluate.true": "True",
    "evaluate.cell_hover": "true %{y}, predicted %{x}: %{z} images",
    "evaluate.cell_count": "**{n}** test images are **{true}** and were predicted as **{pred}**.",
    "evaluate.cell_first": "The first {shown} of them:",
    "evaluate.grid": "30 test images: prediction in blue when right, red when wrong",
    "evaluate.only_mistakes": "Show me only mistakes",
    "evaluate.truth": "true label: {label}",
    "evaluate.first_ten": "The first 10 test images",
    "evaluate.first_ten_help": (
        "The tutorials' check: np.argmax(model.predict(x_test[:10]), axis=1) next to y_test[:10]."
    ),
    "evaluate.label": "Label",
    "evaluate.prediction": "Prediction",

    # compare
    "compare.title": "Compare runs",
    "compare.experiment": "The normalization experiment",
    "compare.experiment_intro": (
        "One click trains the same model twice, with the same seed: once with pixels divided by 255, once with the raw "
        "0-255 values. Watch both learn on the same axes."
    ),
    "compare.run": "Run the experiment",
    "compare.step": "Step {step}:",
    "compare.second_step": "starts when step 1 is done",
    "compare.log_scale": "Loss on a log scale",
    "compare.log_scale_help": (
        "The raw run's loss starts around 100 while the other's is below 1: on a log scale both curves show."
    ),
    "compare.accuracy_normalized_better": (
        "**Result.** With / 255 the model reaches **{norm}** test accuracy; with raw pixels only **{raw}**."
    ),
    "compare.accuracy_raw_better": (
        "**Result.** This time the raw run tested better: **{raw}** against **{norm}** with / 255."
    ),
    "compare.accuracy_same": (
        "**Result.** Both runs reach about the same test accuracy: **{norm}** with / 255, **{raw}** raw."
    ),
    "compare.roughness_raw_rougher": (
        "The raw run trained more erratically: its loss jumped {raw_rough} of its level from batch to batch, against "
        "{norm_rough} with / 255."
    ),
    "compare.roughness_raw_smoother": (
        "The raw run's loss jumped less from batch to batch: {raw_rough} of its level, against {norm_rough} with / 255."
    ),
    "compare.roughness_same": (
        "Both losses jumped about as much from batch to batch: {norm_rough} of their level with / 255, {raw_rough} raw."
    ),
    "compare.why": (
        "**Why.** Each first-layer output is a weighted sum of 784 pixels. With raw values up to 255 those sums, and "
        "so the gradients, are about 255 times larger than with values up to 1. The learning rate was chosen for "
        "inputs near 0-1, so every update overshoots: the weights jump around, ReLU units die or saturate, and the "
        "curves turn erratic. Dividing by 255 changes nothing in the picture, only the scale of the numbers."
    ),
    "compare.why_not_this_time": (
        "**Why not this time.** Dividing by 255 matters most for the first updates. With this optimizer (Adam, RMSprop "
        "and Adadelta size each step by the gradient's own history) or this learning rate, the raw run caught up. Try "
        "plain SGD or a larger learning rate, and the gap comes back."
    ),
    "compare.diverged": "Here the raw run **diverged**: its loss blew up and it predicts little better than chance.",
    "compare.test_above_train": (
        "Notice that the raw run's **validation accuracy sat above its training accuracy** in some epochs, as in the "
        "tutorial. Training accuracy is averaged over the epoch while the weights still jump, and dropout is on; the "
        "test pass uses the end-of-epoch weights with dropout off."
    ),
    "compare.overlay": "Overlay runs and saved models",
    "compare.nothing": "Train a model (or save one) and its curves can be compared here.",
    "compare.nothing_yet": (
        "Your run is still training or being tested: its curves can be compared here once it has ended."
    ),
    "compare.pick": "Runs and models",
    "compare.col_name": "Name",
    "compare.col_kind": "Type",

    # data
    "data.title": "Look at the data: {name}",
    "data.intro": (
        "{train} training images and {test} test images, each 28x28 pixels with one label. The model learns from the "
        "training images; the test images are kept apart to measure it honestly."
    ),
    "data.per_class": "Images per class",
    "data.train": "training",
    "data.test": "test",
    "data.balance": (
        "The classes are roughly balanced: the rarest in training is {low} ({low_n} images), the most common {high} "
        "({high_n}), so accuracy is a fair single number here."
    ),
    "data.balanced": (
        "The classes are exactly balanced: {n} training images of each, so accuracy is a fair single number here."
    ),
    "data.one_image": "One image, pixel by pixel",
    "data.index": "Training image number",
    "data.label": "label: {label}",
    "data.grayscale": (
        "The images are already **grayscale**: one number per pixel, 0 for the black background up to 255 for full "
        "ink. Normalization (÷ 255) does not change the picture at all; it only rescales every number into 0-1, which "
        "suits the network's weights and gradients."
    ),
    "data.raw_tab": "Raw pixels 0-255",
    "data.scaled_tab": "After ÷ 255 (0-1)",
    "data.raw_title": "Pixel values as stored (uint8)",
    "data.scaled_title": "The same pixels after x / 255",
    "data.one_hot": "One-hot encoding of the label",
    "data.one_hot_text": (
        "The label **{label}** becomes a vector with a 1 at position {k} and 0 everywhere else, one column per class. "
        "The network's 10 outputs (softmax probabilities) are compared with this vector by categorical cross-entropy. "
        "Keeping the integer label and using sparse categorical cross-entropy computes exactly the same loss."
    ),
    "data.no_data": "This data set is not available. {problem}",

    # teacher
    "teacher.title": "Teacher",
    "teacher.no_passcode": (
        "This page is closed until the server's owner sets a teacher passcode: start the app with the environment "
        "variable `{env}` set, or put `teacher_passcode = \"...\"` in `.streamlit/secrets.toml`. Nothing of the "
        "class is shown until then."
    ),
    "teacher.passcode": "Teacher passcode",
    "teacher.enter": "Open the teacher page",
    "teacher.wrong_passcode": "That is not the passcode.",
    "teacher.leave": "Close the teacher page",
    "teacher.class": "Class",
    "teacher.class_all": "Every learner",
    "teacher.class_none": "(no class code)",
    "teacher.class_help": (
        "Pick a class, or type a new code: learners join it by opening a link with ?class=CODE "
        "(the exercise link below has it)."
    ),
    "teacher.metric.learners": "Learners",
    "teacher.metric.training": "Training now",
    "teacher.metric.waiting": "Waiting",
    "teacher.metric.finished": "Tested runs",
    "teacher.now": "Every learner's current run",
    "teacher.no_learners": "No learner has opened the app yet.",
    "teacher.no_run": "no run yet",
    "teacher.testing": "testing…",
    "teacher.col.learner": "Learner",
    "teacher.col.class": "Class",
    "teacher.col.run": "Run",
    "teacher.col.state": "State",
    "teacher.col.epoch": "Epoch",
    "teacher.col.accuracy": "Training accuracy",
    "teacher.col.place": "Place in queue",
    "teacher.col.rank": "Rank",
    "teacher.leaderboard": "Leaderboard: tested runs, best first",
    "teacher.no_results": "No run has been tested yet.",
    "teacher.experiment": "The class's experiment",
    "teacher.experiment_setting": "Setting against test accuracy",
    "teacher.experiment_help": (
        "Every tested run of the class is a dot; its colour says whether its pixels were divided by 255."
    ),
    "teacher.confusion": "What the class's models confuse",
    "teacher.no_confusion": "The class's confusion matrix appears here once a run has been tested.",
    "teacher.confusion_most": (
        "Summed over the class's {runs} tested runs on {dataset}: their models most often mistook **{true}** for "
        "**{pred}**, {n} times, {share} of their {mistakes} mistakes."
    ),
    "teacher.confusion_none": "Summed over the class's {runs} tested runs on {dataset}: not one mistake.",
    "teacher.projector": "Projector mode",
    "teacher.projector_help": (
        "One run, large, for the whole room: its curves, confusion matrix and first-layer weights, live while it "
        "trains. Collapse the sidebar (the « at its top) and go full screen (F11) for the most room."
    ),
    "teacher.projector_run": "Run to show",
    "teacher.projector_best": "The class's best tested run",
    "teacher.projector_none": "No run has been tested yet: pick a learner's run.",
    "teacher.projector_waiting": "This run is waiting for a free slot: its curves appear once it trains.",
    "teacher.projector_no_curves": "This run ended before its first batch: it has no curves.",
    "teacher.projector_untested": "The confusion matrix appears once this run has been tested on the test set.",
    "teacher.projector_no_weights": "This run has no pictures of its first layer's weights.",
    "teacher.controls": "Class controls",
    "teacher.pause": "Pause the queue",
    "teacher.resume": "Resume the queue",
    "teacher.paused": "The queue is paused: runs that are training go on, waiting runs start when you resume.",
    "teacher.stop_run": "Stop a learner's run",
    "teacher.stop": "Stop it",
    "teacher.stopped_reason": "stopped by the teacher",
    "teacher.nothing_to_stop": "No run is training or waiting on this server.",
    "teacher.export": "Download the results (CSV)",
    "teacher.publish": "Publish a model to the class",
    "teacher.publish_help": (
        "A copy goes to the shared models: every learner can use it on Draw and Evaluate, nobody can change it."
    ),
    "teacher.publish_model": "A learner's saved model",
    "teacher.publish_name": "Its name for the class",
    "teacher.publish_button": "Publish",
    "teacher.published": "{name} is now offered to every learner.",
    "teacher.nothing_saved": "No learner of this class has saved a model yet.",
    "teacher.reset": "Reset the class",
    "teacher.reset_help": "Deletes the workspaces of the learners shown above: their runs, models and settings.",
    "teacher.reset_ask": "Delete {n} learners' workspaces? This cannot be undone.",
    "teacher.reset_yes": "Yes, delete them",
    "teacher.reset_no": "No, keep them",
    "teacher.reset_done": "{n} workspaces were deleted.",
    "teacher.exercise.title": "Exercise link",
    "teacher.exercise.help": (
        "Set up the Train page as the exercise needs it and choose which controls the learners may not change. The "
        "link opens the Train page so; a learner keeps their own workspace."
    ),
    "teacher.exercise.set": "Give this setting",
    "teacher.exercise.lock": "Locked controls",
    "teacher.exercise.link": "The link",
    "teacher.exercise.qr": "Scan to open the exercise",
    "teacher.exercise.unknown": "The link's {name}={value} is not a value the Train page knows; it was left out.",
    "teacher.exercise.clamped": (
        "The link's {name}={value} is not one the Train page offers ({low} to {high}); the nearest, {used}, is used."
    ),
    "teacher.exercise.kind_of_preset": "The preset {preset} is a {kind}: the kind follows the preset.",
    "teacher.exercise.unknown_lock": "The link asks to lock {name}, which is not a setting; nothing was locked for it.",
    "teacher.exercise.locked_note": "Your teacher has locked some settings for this exercise: they are greyed out.",
    # error
    "error.upload.empty": "the file is empty",
    "error.upload.too_big": "the file is {size} MB; the limit is {limit} MB",
    "error.upload.format": "{kind} files are not supported; upload a PNG or JPEG",
    "error.upload.too_many_pixels": "the image is {width}x{height} ({mp} megapixels); the limit is {limit} megapixels",
    "error.upload.not_image": "this is not a PNG or JPEG image (or it is too large to open safely)",
    "error.upload.damaged": "the image is damaged or truncated ({detail})",
    "error.model.sidecar": "{name}: its JSON sidecar is unreadable",
    "error.model.missing": "{name}: no such model file",
    "error.model.too_big": "{name}: larger than {limit} MB",
    "error.model.not_keras": "{name}: not a .keras file",
    "error.model.invalid": "{name}: not a valid Keras model ({detail})",
    "error.model.unsafe": "{name}: refused, it contains code (a Lambda layer) that safe mode will not run",
    "error.model.io_count": "{name}: needs exactly one input and one output",
    "error.model.input_shape": "{name}: takes input of shape {shape}, expected 28x28 images",
    "error.model.outputs": "{name}: has {shape} outputs, expected 10 classes",
    "error.model.archive": (
        "{name}: not a valid Keras model file (a .keras file is a zip archive, and this one cannot be read)"
    ),
    "error.model.directory": "{name}: its zip directory lists {count} entries; a Keras model file has at most {limit}",
    "error.model.members": "{name}: contains \"{member}\", which does not belong in a Keras model file",
    "error.model.member_missing": (
        "{name}: has no {member}; save the model again with Keras 3 (model.save(\"name.keras\"))"
    ),
    "error.model.packing": "{name}: \"{member}\" is compressed or encrypted in a way this app does not open",
    "error.model.unpacked_too_big": "{name}: {member} would unpack to {size} MB; the limit is {limit} MB",
    "error.model.archive_too_big": "{name}: would unpack to {size} MB; the limit is {limit} MB",
    "error.model.bomb": "{name}: {member} is compressed {ratio}:1, the mark of a zip bomb; refused",
    "error.model.config": "{name}: config.json is not valid JSON",
    "error.model.config_nesting": "{name}: config.json is nested more than {limit} levels deep; refused",
    "error.model.foreign_code": "{name}: refused, it names code from outside Keras ({what}); nothing in it was run",
    "error.model.weights": "{name}: its weights (model.weights.h5) are damaged or not an HDF5 file",
    "error.model.weights_too_big": "{name}: its weights declare {size} MB of arrays; the limit is {limit} MB",
    "error.model.weights_layout": (
        "{name}: its weights use HDF5 features a Keras model does not need (links, external files, unusual types or "
        "filters); refused"
    ),
    "error.model.too_much_memory": "{name}: opening it needs more memory than this app allows a model; refused",
    "error.model.too_slow": "{name}: checking it took longer than {seconds} s; refused",
    "error.model.check_failed": "{name}: the check of this file stopped without a verdict; refused",
    "error.model.busy": "{name}: the server is checking other uploads right now; try again in a minute",
    "error.data.not_found": (
        "No {name} data was found. Set {env} to a folder holding {folder}/ with its four IDX files (e.g. export "
        "{env}=/path/to/data), or run the app once with internet access so Keras can download it (about 11 MB for "
        "MNIST, 30 MB for Fashion-MNIST)."
    ),
    "error.data.broken": "A data file is damaged, so this data set cannot be used: {detail}",
    "error.data.download_failed": (
        "No {name} data was found (download failed: {reason}). Set {env} to a folder holding {folder}/ with its four "
        "IDX files (e.g. export {env}=/path/to/data), or connect to the internet once so Keras can download it (about "
        "11 MB for MNIST, 30 MB for Fashion-MNIST)."
    ),
    "error.data.unreadable": "{file}: cannot be read ({detail})",
    "error.data.short_header": "{file}: too short for an IDX header ({size} bytes)",
    "error.data.image_magic": "{file}: not an IDX image file (magic number {magic}, expected {expected})",
    "error.data.label_magic": "{file}: not an IDX label file (magic number {magic}, expected {expected})",
    "error.data.image_size": "{file}: images are {rows}x{cols}, expected 28x28",
    "error.data.image_count": "{file}: header says {count} images, expected {expected}",
    "error.data.label_count": "{file}: header says {count} labels, expected {expected}",
    "error.data.truncated": "{file}: truncated or padded: {size} bytes, header promises {expected}",
    "error.data.label_range": "{file}: label {label} is out of the range 0-9",
    "error.data.missing_files": "{folder}: missing {split}-images-idx3-ubyte[.gz] or {split}-labels-idx1-ubyte[.gz]",
    "error.data.npz_unreadable": "{file}: not a readable mnist.npz ({detail})",
    "error.data.npz_images": "{file}: x_{split} is {dtype} {shape}, expected uint8 ({count}, 28, 28)",
    "error.data.npz_labels": "{file}: y_{split} must be {count} labels in 0-9",
    "error.data.unknown": "unknown data set {name}; choose one of {choices}",
    "error.name.empty": "the name is empty",
    "error.name.too_long": "the name is longer than {limit} characters",
    "error.name.characters": "the name may not contain / \\ : * ? \" < > | or control characters",
    "error.name.dot": "the name may not start with a dot",
    "error.save.failed": "could not save {name} ({detail}); nothing was left half written",
    "error.workspace.not_yours": "that model is not in your workspace",
    "error.workspace.name_taken": "you already have a model called {name}",
    "error.workspace.saves_full": "your workspace holds {limit} saved models, the most it can; delete one first",
    "error.workspace.uploads_full": "your workspace holds {limit} uploaded models ({mb} MB at most); delete one first",
    "error.workspace.reserved": "{name} is the name of a model shared with the whole class; choose another",
    "error.class.name_taken": "a model shared with the class is already called {name}; choose another name",
    "error.class.model_missing": "the model {name} is no longer there",
    "error.database.unreachable": (
        "the class's database cannot be reached just now; nothing you did is lost. Reload the page in a minute; "
        "if this lasts, tell your teacher"
    ),
    "error.database.busy": "the class's database is too busy just now; nothing you did is lost. Try again in a moment",
    "error.cluster.unreachable": (
        "the computers that train the class's models do not answer, so this run could not start. Your runs and "
        "models are safe: try again in a minute, and if it keeps happening, tell your teacher"
    ),
    "error.cluster.worker_lost": (
        "the computer that trained this run stopped before the run ended, so its model is lost. Your other runs "
        "and models are safe: start the training again"
    ),
    "error.cluster.no_answer": (
        "the computer that trains this run has not answered for {seconds} s, so the run was given up. Your other "
        "runs and models are safe: start the training again"
    ),
    "error.cluster.failed": "the training could not run on the class's computers ({detail}); start it again",
}
