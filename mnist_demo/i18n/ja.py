"""The Japanese texts of the app, by the same keys, in the same order, as `en.py`.

Terms follow Japanese teaching material: エポック, バッチサイズ, 学習率, 正規化, 損失, 正解率,
過学習, 畳み込み, 全結合層, ドロップアウト, ワンホット表現. A tooltip (help=) that first uses a
term keeps the English one beside it, e.g. "学習率 (learning rate)", so learners can match
the app with English tutorials and the Keras API."""

CATALOG: dict[str, str] = {
    # frame
    "frame.nav.home": "ホーム",
    "frame.nav.train": "学習",
    "frame.nav.draw": "手書き",
    "frame.settings": "{language} · {dataset}",
    "frame.settings_help": "言語とデータセット",
    "frame.dataset": "データセット",
    "frame.dataset_help": "MNIST (エムニスト): 手書き数字。Fashion-MNIST: 同じ形式で 10 種類の衣類の画像。",
    "frame.training": "{label}: エポック {epoch}/{epochs}",
    "frame.queued": "{label}: 空きを待っています（順番 {place} 番目、約 {wait}）",
    "frame.testing": "{label}: テスト画像で確認中",
    "frame.nav.robust": "頑健性",
    "frame.nav.evaluate": "評価",
    "frame.nav.compare": "比較",
    "frame.nav.data": "データ",
    "frame.nav.teacher": "先生",
    "frame.title": "MNIST デモ",
    "frame.language": "言語 / Language",
    "frame.workspace": "あなたのワークスペース",
    "frame.nickname": "名前",
    "frame.link": (
        "あなたのリンク: どの端末で開いても、自分の学習結果とモデルに戻れます。他の人には教えないでください。リンクを持"
        "つ人はあなたとして操作できます。"
    ),
    "frame.unexpected": (
        "サーバーで問題が起きました（あなたの操作のせいではありません）。ページを再読み込みして続けてください。また起き"
        "たら、このコードを先生に伝えてください: {id}"
    ),
    "frame.retry": "もう一度試す",

    # common
    "common.dataset.mnist": "MNIST 手書き数字",
    "common.dataset.fashion-mnist": "Fashion-MNIST",
    "common.kind.mlp": "MLP (全結合層)",
    "common.kind.cnn": "CNN (畳み込み)",
    "common.state.queued": "順番待ち",
    "common.state.running": "学習中",
    "common.state.stopping": "停止中",
    "common.state.stopped": "停止",
    "common.state.finished": "完了",
    "common.state.failed": "失敗",
    "common.state.interrupted": "中断",
    "common.no_data": "このデータセットが利用できないため、学習させるデータがありません。{problem}",
    "common.setting.preset": "プリセット (チュートリアルのモデルとこのアプリ独自のモデル)",
    "common.setting.epochs": "エポック数",
    "common.setting.batch_size": "バッチサイズ",
    "common.setting.learning_rate": "学習率",
    "common.setting.optimizer": "最適化手法",
    "common.setting.train_images": "学習に使う画像の枚数",
    "common.setting.normalize": "ピクセル値を正規化する (255 で割る)",
    "common.setting.normalized": "/255",
    "common.setting.raw": "生の値 0-255",
    "common.setting.queued": "このサーバーの学習の空きを待っています: 順番 {place} 番目、開始まで約 {wait}。",
    "common.duration.seconds": "{n} 秒",
    "common.duration.minutes": "{n} 分",
    "common.chart.loss": "損失",
    "common.chart.accuracy": "正解率",
    "common.chart.epoch": "エポック",
    "common.chart.batch": "学習 (バッチごと、平滑化)",
    "common.chart.train_epoch": "学習 (エポックごと)",
    "common.chart.validation": "検証（学習画像から取り分けた 10 %）、エポックごと",
    "common.chart.validation_test": "検証（チュートリアルと同じくテスト画像）、エポックごと",
    "common.chart.probability": "確率",
    "common.chart.digit": "数字",
    "common.chart.class": "クラス",
    "common.metric.loss": "学習データの損失",
    "common.metric.accuracy": "学習データの正解率",
    "common.metric.val_loss": "検証データの損失",
    "common.metric.val_accuracy": "検証データの正解率",
    "common.metric.test_accuracy": "テスト正解率",
    "common.metric.test_loss": "テスト損失",
    "common.metric.seconds": "学習時間 (秒)",
    "common.chart.train_short": "学習データ",
    "common.models.uploaded": "アップロード: {name}",
    "common.class.fashion-mnist.0": "Tシャツ/トップス",
    "common.class.fashion-mnist.1": "ズボン",
    "common.class.fashion-mnist.2": "プルオーバー",
    "common.class.fashion-mnist.3": "ドレス",
    "common.class.fashion-mnist.4": "コート",
    "common.class.fashion-mnist.5": "サンダル",
    "common.class.fashion-mnist.6": "シャツ",
    "common.class.fashion-mnist.7": "スニーカー",
    "common.class.fashion-mnist.8": "バッグ",
    "common.class.fashion-mnist.9": "アンクルブーツ",
    "common.models.default": "同梱の {dataset} モデル",
    "common.models.shared": "共有: {name}",
    "common.models.run": "あなたの学習 {label} · テスト正解率 {acc}",
    "common.models.saved": "保存済み: {name}",
    "common.models.missing": "そのモデルファイルはなくなりました。別のモデルを選んでください。",
    "common.models.broken": "そのモデルは使えません: {error}",
    "common.chart.pixel_hover": "行 %{y}、列 %{x}: %{z}",
    "common.preset.mlp-512x2": "Keras の mnist_mlp チュートリアル: 全結合層 512 x 2 + ドロップアウト 0.2、RMSprop",
    "common.preset.mlp-64": "最小の MLP チュートリアル: 全結合層 64、RMSprop (報告値 0.9739)",
    "common.preset.mlp-256-100": "全結合層 256 + 100、素の SGD、学習率 0.01 (報告値 0.9578)",
    "common.preset.keras-mnist-cnn": "定番の Keras mnist_cnn の例、Adadelta 学習率 1.0 (1 エポックで報告値 0.9812)",
    "common.preset.cnn-3conv": "畳み込み 3 層 (TensorFlow チュートリアル風)、RMSprop",
    "common.preset.cnn-fast": (
        "このアプリ独自: 小さな畳み込み 2 層 + バッチ正規化、Adam と one-cycle スケジュール。約 40 秒で 99 % 超"
    ),
    "common.preset.cnn-fastest": (
        "約 99 % への最速: バッチ正規化つきの小さな畳み込み 2 層 (フィルタ 16 と 32) を 1 エポック。速さの理由: "
        "バッチ正規化、小さなステップをたくさん (バッチ 32)、ここで設定した値まで上がってから下がるワンサイクルの"
        "学習率、ドロップアウトの代わりにラベル平滑化 0.1、データを 1 周すれば足りること"
    ),
    "common.preset.cnn-draw": (
        "同梱のデフォルト: 畳み込み 4 層 + バッチ正規化、手書き用に --augment (データ拡張) で学習"
    ),

    # home
    "home.title": "手書き数字でディープラーニングを学ぼう",
    "home.intro": (
        "このアプリは **MNIST** (28x28 ピクセルの手書き数字 70,000 枚) "
        "で本物のニューラルネットワークを学習させます。\n\n1. 多層パーセプトロン (MLP) "
        "か畳み込みニューラルネットワーク (CNN) を**学習**させ、バッチごとに損失と正解率が変わる様子を見ます。\n2. "
        "**正規化** (ピクセル値 / 255) をオフにしてもう一度学習させ、なぜ大切なのかを*目で確かめ*ます。\n3. "
        "数字を**手書き**して、モデルに何の数字かを聞きます。各クラスの確率も表示されます。"
    ),
    "home.datasets": "データセット",
    "home.dataset_local": "- **{name}**: 利用できます",
    "home.dataset_missing": (
        "- **{name}**: このマシンに見つかりません。IDX ファイルのあるフォルダを `MNIST_DEMO_DATA_DIR` "
        "に指定するか、インターネットに接続した状態で一度アプリを起動すると Keras がダウンロードします。"
    ),
    "home.samples": "{name} のテスト画像 (最初の {count} 枚)",
    "home.next": "次に進む",
    "home.link_train": "モデルを学習させて、学ぶ様子を見る",
    "home.link_draw": "数字を手書きして、モデルに読ませる",

    # train
    "train.title": "モデルを学習させる",
    "train.kind": "モデルの種類",
    "train.kind_help": (
        "MLP は画像を 784 個のばらばらの数値として見ます。CNN (畳み込みニューラルネットワーク, convolutional neural "
        "network) は小さな領域を位置を保ったまま見るので、画像に向いています。"
    ),
    "train.epochs_help": "エポック (epoch): モデルが学習用の画像をすべて 1 回ずつ見ることを 1 エポックと数えます。",
    "train.batch_size_help": "バッチサイズ (batch size): 重みを 1 回更新するのに平均する画像の枚数です。",
    "train.learning_rate_help": (
        "学習率 (learning rate): 1 回の更新でどれだけ大きく重みを動かすか。Adadelta は 1.0、Adam と RMSprop は 0.001 "
        "程度が目安です。"
    ),
    "train.dropout": "ドロップアウト",
    "train.dropout_help": (
        "ドロップアウト (dropout): 学習中にランダムに止めるユニットの割合です。過学習 (overfitting) を防ぎます。"
    ),
    "train.width_mlp": "隠れユニット数 (最初の全結合層)",
    "train.width_cnn": "フィルタ数 (最初の畳み込み層)",
    "train.width_help": "後ろの層も同じ比率で大きさが変わります。",
    "train.train_images_help": "枚数が少ないほど速く学習します。60,000 枚すべて使うと最も良いモデルになります。",
    "train.normalize_on": "ピクセル値は 0〜1 で入力されます。勾配が適切な大きさになり、学習がなめらかに進みます。",
    "train.normalize_off": (
        "生のピクセル値 0〜255 がそのまま入力されます。最初の層の出力が 255 倍になり、"
        "更新が行き過ぎて曲線が乱れることがあります。比較ページの正規化の実験で確かめられます。"
    ),
    "train.validate_on_test": "チュートリアルと同じくテスト画像で検証する",
    "train.validate_on_test_help": (
        "チュートリアルでは毎エポック、テスト画像で結果を確かめます。これは情報の漏れ (leak) です。その曲線を見ながら決"
        "めたこと（エポック数、学習率など）が少しずつテスト画像に合わせ込まれ、テスト正解率が公平な評価でなくなります。"
        "このアプリは Keras 自身の MNIST の例と同じく、学習画像の最後の 10 % を検証用に取り分け、テスト画像は最後に 1 "
        "回だけ使います。"
    ),
    "train.start": "学習開始",
    "train.stop": "停止",
    "train.nothing_yet": "設定を選んで「学習開始」を押してください。モデルが学ぶにつれてここに曲線が表示されます。",
    "train.starting": (
        "学習を始めています。サーバーを起動して最初の学習では、まず TensorFlow を読み込みます"
        "（30 秒ほどかかることがあります）。"
    ),
    "train.preparing": "モデルを組み立て、データを準備しています。数秒で最初のバッチが届きます。",
    "train.progress": "エポック {epoch}/{epochs} · 毎秒 {rate} 枚 · 経過 {elapsed} 秒 · 残り約 {eta}",
    "train.progress_done.one": "1 エポック · 毎秒 {rate} 枚 · {elapsed} 秒",
    "train.progress_done.other": "{n} エポック · 毎秒 {rate} 枚 · {elapsed} 秒",
    "train.testing": "学習が終わりました。{n} 枚のテスト画像でモデルを確かめています…",
    "train.result": "結果",
    "train.failed": "学習に失敗しました: {error}",
    "train.stopped_note": "途中で停止しました ({reason})。停止した時点のモデルを評価しています。",
    "train.bn_note": (
        "ここまでで止めたので、テスト正解率 ({test}) は直近のバッチの正解率 ({batch}) "
        "よりずっと低くなっています。バッチ正規化はテスト時にバッチの統計量の移動平均を使いますが、{batches} "
        "バッチではまだ追いついていません。1 エポックほど学習すれば両者はそろいます。"
    ),
    "train.interrupted_note": (
        "この学習は中断されました（学習中にサーバーが停止しました）。それまでの曲線は残っています。モデルが必要ならもう"
        "一度学習させてください。"
    ),
    "train.unsaved_note": (
        "ほかの学習結果と一緒にあなたのワークスペースに残ります（保存していないものは最新の 10 "
        "件まで）。ずっと残すには名前を付けて保存してください。"
    ),
    "train.summary": "モデルの概要 (model.summary() と同じ内容)",
    "train.total_params": "パラメータの総数: {n}",
    "train.save_name": "保存する名前",
    "train.save": "保存",
    "train.saved": "{name} としてワークスペースに保存しました。手書きページと評価ページで選べます。",
    "train.save_replace": "{name} という名前のモデルはすでにあります。この学習結果で置き換えますか?",
    "train.replace": "置き換える",
    "train.keep_both": "元のまま残す",
    "train.save_failed": "保存できませんでした: {error}",
    "train.download": ".keras をダウンロード",
    "train.code": "この設定の Keras コード",
    "train.code_help": (
        "同じモデルをチュートリアルと同じ書き方で書いたものです。ノートブックにコピーできます。スライダーを動かすと更新"
        "されます。"
    ),
    "train.code_notebook": "Jupyter ノートブックとしてダウンロード",
    "train.code_notebook_help": (
        "このコードを説明つきのノートブックにしたものです。同じ画像でこのモデルを学習し、学習曲線を描き、予測を表示し"
        "ます。Jupyter、VS Code、Google Colab で開けます。"
    ),
    "train.more_epochs": "追加するエポック数",
    "train.metrics_caption": (
        "学習データの値は、エポック中のバッチの平均です (モデルはまだ学習の途中)。検証の値はエポックの後に測るので、"
        "こちらのほうが良いこともあります。"
    ),
    "train.loss_floor": (
        "ラベル平滑化 {smoothing} では、学習データと検証の損失は平滑化した目標 (それ自体が 100 % の確信ではない) で"
        "数えるので、{floor} より下がりません。テストの損失は、どのモデルとも同じく元のラベルで測ります。"
    ),
    "train.more.one": "さらに 1 エポック学習",
    "train.more.other": "さらに {n} エポック学習",
    "train.upload.title": "学習済みモデル (.keras) を読み込む",
    "train.upload.file": "Keras 3 で保存した .keras ファイル (50 MB まで)",
    "train.upload.normalize": "このモデルはピクセル値を 255 で割った入力を前提にしている",
    "train.upload.normalize_help": (
        "このアプリで作ったモデルは入力の正規化 (normalization) を自分で持っているので、このスイッチは無視されます。そ"
        "れ以外のモデルは、学習したときの方法を指定してください。"
    ),
    "train.upload.load": "読み込む",
    "train.upload.loaded": "{name} を読み込みました。「手書き」と「評価」のページで選べます。",
    "train.upload.bad": "このモデルは使えません: {error}",
    "train.stopped_by_user": "ユーザーが停止",
    "train.col_layer": "層 (種類)",
    "train.col_output": "出力の形",
    "train.col_params": "パラメータ数",
    "train.weights.title_dense": "育っていく重み: 最初の 16 個の隠れユニットの 784 個の重みを画像にしたもの",
    "train.weights.title_conv": "育っていく重み: 最初の畳み込み層のフィルタ",
    "train.weights.caption": (
        "{at} エポック後の {layer}。灰色が 0、明るいと正、暗いと負で、白と黒は最大の重み ±{scale} を表します。"
    ),
    "train.notebook.intro": (
        "# {dataset} で学習する {model}\n\n"
        "MNIST デモの学習ページで設定したモデルを、Keras のコードで一歩ずつ書き出したノートブックです。"
        "セルを上から順に実行してください (Shift+Enter でセルを 1 つ実行して次へ進みます)。Python 3 と `keras` "
        "(TensorFlow)、`numpy`、`matplotlib` が必要です。\n\n"
        "設定: エポック数 {epochs}、バッチサイズ {batch_size}、最適化手法 {optimizer}、学習率 {learning_rate}、"
        "学習に使う画像: {train_images}。"
    ),
    "train.notebook.all_images": "すべて",
    "train.notebook.imports": (
        "## 1. 道具をそろえる\n\n"
        "numpy は画像を配列として持ち、matplotlib は曲線と画像を描き、Keras はネットワークを組み立てて学習させます。"
        "アプリと同じように乱数のシードを固定しているので、何度実行してもネットワークは同じランダムな重みから始まります"
        "。"
    ),
    "train.notebook.data": (
        "## 2. データ\n\n"
        "アプリは {dataset} を、環境変数 `MNIST_DEMO_DATA_DIR` が指すデータフォルダから読み込みます。Jupyter "
        "を起動する前にこの変数を設定するか、フォルダのパスを `DATA_DIR` に書けば、ここでも同じファイルを読みます。"
        "ファイルは IDX 形式 (gzip 圧縮あり・なし) で、短いヘッダー (最後の 1 "
        "バイトが次元の数を表すマジックナンバーと、各次元の大きさ) のあとに、ピクセルまたはラベルが 1 "
        "バイトずつ並んでいます。フォルダがなければ、代わりに Keras がデータセットをダウンロードします。"
    ),
    "train.notebook.subset": (
        "## 3. 使う画像の数\n\n"
        "アプリの **学習に使う画像の枚数** の設定と同じように、学習には最初の `TRAIN_IMAGES` "
        "枚の学習画像だけを使います (`None` ならすべて)。画像が少ないほど速く学習でき、"
        "すべて使うほど良いモデルになります。`TEST_IMAGES` はテスト画像について同じことをします。"
    ),
    "train.notebook.normalize_on": (
        "## 4. ピクセル値の正規化\n\n"
        "ピクセル値は 0 から 255 までの整数です。ネットワークは 0〜1 の値からのほうがずっとよく学習するので、255 "
        "で割ります。チュートリアルでは学習の前に割ることがよくあります (`x_train = x_train / 255`)。"
        "アプリはモデルの中で、最初の層 `Rescaling(1 / 255)` として割っていて、このノートブックも同じです。"
        "こうするとモデルの層とパラメータ数がアプリのモデルとまったく同じになり (`Rescaling` 層には重みがありません)、"
        "保存したモデルが自分の正規化を持ち運ぶので、使う人が割り忘れることもありません。どちらの書き方でも、"
        "ネットワークに入る数値は同じです。"
    ),
    "train.notebook.normalize_off": (
        "## 4. 正規化しないピクセル値\n\n"
        "ピクセル値は 0 から 255 までの整数で、この実行ではそのまま使います (アプリの正規化スイッチがオフ)。"
        "アプリのモデルは必ず `Rescaling` 層から始まります。ここでは何も変えない `Rescaling(1.0)` なので、"
        "モデルの層とパラメータ数はアプリのモデルとまったく同じです。最初の層の出力が巨大になり、更新が行き過ぎて、"
        "曲線が乱れるはずです。そのあと `Rescaling(1 / 255)` に変えて比べてみましょう。"
    ),
    "train.notebook.one_hot": (
        "## 5. ラベルをワンホット表現に\n\n"
        "ラベルは 0 から 9 までのクラス番号です。`to_categorical` はこれを、ラベルの位置だけが 1 の 10 "
        "個の数値のベクトル (ワンホット表現) に変えます。3 は [0, 0, 0, 1, 0, 0, 0, 0, 0, 0] になります。損失 "
        "`categorical_crossentropy` は、これとネットワークが出力する 10 個の確率を比べます。`labels_test` には、"
        "最後に使うために元のテストラベルを残しておきます。"
    ),
    "train.notebook.sparse": (
        "## 5. ラベルはクラス番号のまま\n\n"
        "ラベルは 0 から 9 までのクラス番号のまま使います。損失 `sparse_categorical_crossentropy` "
        "はそれをそのまま受け取り、ワンホット表現のラベルで `categorical_crossentropy` "
        "が計算するのと同じ値を計算します。`labels_test` には、最後に使うためにテストラベルを残しておきます。"
    ),
    "train.notebook.validation_holdout": (
        "## 6. 検証に使う画像\n\n"
        "学習画像の最後の 10 % を取り分け、学習には使いません。アプリと同じく、各エポックのあとにその画像でネットワー"
        "クを測ります。エポック数や学習率、層の幅を決めるときに見るのは、この検証の曲線です。テスト画像は最後まで使わ"
        "ないので、テスト正解率は、だれも何も合わせ込んでいない画像での公平な評価になります (Keras 自身の MNIST の例"
        "も `validation_split=0.1` で同じことをしています)。"
    ),
    "train.notebook.validation_test": (
        "## 6. テスト画像で検証する\n\n"
        "この学習は、チュートリアルと同じく、またアプリで「チュートリアルと同じくテスト画像で検証する」をオンにしたと"
        "きと同じく、各エポックのあとにテスト画像で検証します。これは情報の漏れ (leak) です。その曲線を見ながら決めた"
        "こと（エポック数、学習率、層の幅など）が少しずつテスト画像に合わせ込まれ、テスト正解率が公平な評価でなくなり"
        "ます。アプリでこのスイッチをオフにすると、学習画像の 10 % を検証用に取り分けるノートブックになります。"
    ),
    "train.notebook.model_mlp": (
        "## 7. モデル: MLP\n\n"
        "`Flatten` は 28×28 のピクセルを 784 個の数値の列に並べます。`Dense` (全結合層) はどれも、"
        "すべての入力をすべてのユニットにつなぎ、活性化関数 ReLU を通します。`Dropout` (ドロップアウト、"
        "モデルにある場合) は学習中にランダムにユニットを止めて、過学習を防ぎます。最後の層は 10 ユニットの softmax "
        "で、クラスごとに 1 つの確率を出します。`summary()` は各層の出力の形とパラメータ数を表示します。"
        "合計は学習ページのモデルの概要に出る数と同じです。"
    ),
    "train.notebook.model_cnn": (
        "## 7. モデル: CNN\n\n"
        "`Reshape` は画像に 1 つのチャンネルを持たせます。`Conv2D` (畳み込み) はどれも、"
        "小さなフィルターを画像の上でずらしながら、どこにそのパターンがあったかを残します。`BatchNormalization` "
        "(モデルにある場合) は各層の出力を安定した範囲に保ち、`MaxPooling2D` は幅と高さを半分にし、`Dropout` "
        "(ドロップアウト) は学習中にランダムにユニットを止めて過学習を防ぎます。そのあと `Flatten` と `Dense` "
        "(全結合層) が判断し、最後の層の softmax がクラスごとに 1 つの確率を出します。`summary()` "
        "は各層の出力の形とパラメータ数を表示します。合計は学習ページのモデルの概要に出る数と同じです。"
    ),
    "train.notebook.compile": (
        "## 8. 損失・最適化手法・学習率\n\n"
        "`compile` は、学習で何を小さくするか (損失 `{loss}`) と、どうやって小さくするか (最適化手法 {optimizer}、"
        "学習率 {learning_rate}) を決めます。あわせて正解率も測ります。"
    ),
    "train.notebook.one_cycle": (
        "学習率はアプリと同じワンサイクルのスケジュールに従います。{learning_rate} の 10 分の 1 から始まり、"
        "ステップの最初の 4 分の 1 で {learning_rate} まで上がり、そのあとコサイン曲線に沿って下がります。`steps` "
        "は学習全体での重みの更新回数 (エポック数 × 1 エポックのバッチ数) です。"
    ),
    "train.notebook.label_smoothing": (
        "ラベル平滑化 {smoothing}: 正しい数字の目標は 100 % ではなく {target} で、残りを他の 9 つで分け合います。"
        "ネットワークは届かない確信に向けて答えを押し上げ続けることをやめ、1 枚の画像からより多くを学びます。"
        "これが小さな CNN を 1 エポックで 99 % に届かせる工夫です。"
    ),
    "train.notebook.fit": (
        "## 9. 学習\n\n"
        "`fit` はネットワークにすべての学習画像を {epochs} 回 (エポック) 見せます。一度に {batch_size} 枚ずつ (バッチ"
        "サイズ) 見せ、バッチごとに重みを更新します。各エポックのあとには、検証用の画像での損失と正解率も測ります "
        "(`validation_data`)。学習データの曲線が下がり続けているのに検証の曲線が上がり始めたら、それが過学習です。"
    ),
    "train.notebook.test_once": (
        "そのあと 1 回だけテスト画像を使います。`evaluate` がテストの損失と正解率を出します。アプリが学習の結果として"
        "表示する数です。"
    ),
    "train.notebook.test_leak": (
        "最後のエポックの検証の値が、そのままテストの損失と正解率になります (アプリも学習の結果としてこの値を表示しま"
        "す)。まだ見ていない画像はもう残っていません。"
    ),
    "train.notebook.curves": (
        "## 10. 学習曲線\n\n"
        "エポックごとの損失と正解率を、学習画像と検証用の画像について、アプリのグラフと同じように描きます。1 エポック"
        "だけなら各曲線は 1 つの点です。エポック数を増やすと、曲線の動きが見えます。"
    ),
    "train.notebook.first_ten": (
        "## 11. 最初の 10 枚のテスト画像\n\n"
        "`predict` は画像ごとに 10 個の確率を出します。予測されたクラスは、いちばん確率の高いクラス (`argmax`) です。"
        "評価ページと同じように、正しいラベルと比べてみましょう。"
    ),
    "train.notebook.grid": (
        "## 12. 30 枚のテスト画像\n\n"
        "各画像の上に予測を表示します。正しければ青、間違っていれば赤で、そのときはかっこの中に正しいラベルを示します。"
    ),
    "train.notebook.next": (
        "## 13. 次にやること\n\n"
        "`model.save` は学習したモデルを `.keras` ファイルに書き出します。アプリの学習ページ (学習済みモデルを読み込む)"
        " でアップロードすれば、そのモデルに数字を手書きで読ませたり、評価したりできます。それから 1 "
        "つだけ何かを変えて、もう一度ノートブックを実行してみましょう。正規化、エポック数や画像の数、層の幅、"
        "最適化手法などです。"
    ),

    # draw
    "draw.title.mnist": "数字を手書きしよう",
    "draw.title.fashion-mnist": "服やくつを描いてみよう",
    "draw.model": "モデル",
    "draw.model_info": "使用中: {name} · 入力ピクセル {scaling}",
    "draw.source": "入力",
    "draw.source_canvas": "手書き",
    "draw.source_upload": "画像をアップロード",
    "draw.instructions.mnist": (
        "マウスか指で数字を 1 つ、大きく書いてください。ごみ箱アイコンか「消去」でやり直せます。"
    ),
    "draw.instructions.fashion-mnist": (
        "服やくつを 1 つ、大きく描いてください（T "
        "シャツ、ズボン、ワンピース、スニーカー、バッグなど）。ごみ箱アイコンか「消す」でやり直せます。"
    ),
    "draw.clear": "消去",
    "draw.upload.mnist": "数字が 1 つ写った PNG か JPEG",
    "draw.upload.fashion-mnist": "服やくつ 1 つの PNG または JPEG 画像",
    "draw.upload_help": "5 MB まで。明るい背景に暗いインクでも、暗い背景に明るいインクでも使えます。",
    "draw.bad_upload": "このファイルは使えません: {error}。",
    "draw.empty.mnist": "キャンバスに数字を書いてください。ここに予測が表示されます。",
    "draw.empty.fashion-mnist": "キャンバスに服やくつを描くと、ここに予測が表示されます。",
    "draw.empty_upload": "画像をアップロードすると、ここに予測が表示されます。",
    "draw.noise": (
        "数字の手書きには見えません (点が散らばっているか、全体にインクがあります)。キャンバスを消去して、数字を 1 "
        "つ、数本の線で書いてください。"
    ),
    "draw.prediction": "## 予測: {answer}\n確信度 {confidence}",
    "draw.smoothed": (
        "このモデルはラベル平滑化 {smoothing} で学習しました。目標が {most} の確信だったので、はっきりした数字でも"
        "それ以上はあまり確信しません。"
    ),
    "draw.probabilities.mnist": "各数字の確率",
    "draw.probabilities.fashion-mnist": "各クラスの確率",
    "draw.not_a_digit": (
        "**これは数字に見えません。** それでもモデルはどれかを選ばなければなりません。ソフトマックスは必ず 10 "
        "個の数字に合計 1 の確率を割り振るからです。そのため、無理に選んだ答えは {answer}（{confidence}）です。"
    ),
    "draw.inspector": "前処理インスペクター: 処理をオフにして確率の変化を見る",
    "draw.step_crop": "インク部分を切り出す",
    "draw.step_scale": "20 px に縮小",
    "draw.step_center": "重心を中央に",
    "draw.pipeline": "モデルが見た画像",
    "draw.step_raw": "キャンバス (インク)",
    "draw.step_raw_upload": "画像（インク）",
    "draw.step_crop_image": "インク部分を切り出し",
    "draw.step_scaled": "長辺を 20 px に",
    "draw.step_centered": "28x28 の中央に配置",
    "draw.step_model_input": "モデルへの入力 ({scale})",
    "draw.inside.title": "モデルの中: 各層がこの絵をどう捉え、なぜその答えになったか",
    "draw.inside.margin_sure": (
        "モデルの答えは **{answer}** ({p})、次点は **{runner}** ({q}) です。"
        "両者の差 (マージン) は **{margin}** で、はっきり差があり、迷っていません。"
    ),
    "draw.inside.margin_unsure": (
        "モデルの答えは **{answer}** ({p})、次点は **{runner}** ({q}) です。"
        "両者の差 (マージン) は **{margin}** しかなく、二つの間で迷っています。"
    ),
    "draw.inside.saliency": "どの画素が答えを後押ししたか",
    "draw.inside.saliency_help": (
        "統合勾配 (Integrated Gradients): 真っ黒な画像からこの絵までの道のりで、各画素が答えのスコアに"
        "どれだけ寄与したかを足し合わせたものです。赤は答えを後押しし、青は逆らいました。生の勾配は使いません。"
        "小さなネットワークでは雑音が多く、モデルがすでに確信している線を見落とすからです。"
    ),
    "draw.inside.saliency_answer": "{answer} だとする根拠",
    "draw.inside.saliency_canvas": "同じものを描いた絵の上に",
    "draw.inside.saliency_other": "{other} に見える理由",
    "draw.inside.unsure": (
        "モデルは {answer} と {other} の間で迷っています。二つの図を比べると、どの線がどちらの根拠かが分かります。"
    ),
    "draw.inside.layers": "層ごとの出力",
    "draw.inside.layers_help": (
        "各畳み込み層の特徴マップ (活性化の後) を強い順に、各全結合層のユニットを帯で表示します "
        "(白は発火なし、赤は発火)。最後にソフトマックスです。"
    ),
    "draw.inside.layers_help_dense": (
        "各全結合層のユニットを帯で表示します (白は発火なし、赤は発火)。最後にソフトマックスです。"
    ),
    "draw.inside.maps": "{layer} · {shape} · {channels} 枚のうち強い {shown} 枚",
    "draw.inside.units": "{layer} · {units} ユニット、うち {firing} が発火",
    "draw.inside.softmax": "ソフトマックス: {top}",
    "draw.inside.unit_title_conv": "第 1 層のフィルタが探しているもの",
    "draw.inside.unit_title_dense": "第 1 層のユニットが探しているもの",
    "draw.inside.unit_pick_conv": "フィルタ",
    "draw.inside.unit_pick_dense": "ユニット",
    "draw.inside.unit_conv": "フィルタ {n}",
    "draw.inside.unit_dense": "ユニット {n}",
    "draw.inside.unit_help": "最初は、この絵で最も強く発火するものが選ばれています。",
    "draw.inside.kernel": "フィルタ {n} のカーネル (明るい: 正の重み、暗い: 負の重み)",
    "draw.inside.weights": "ユニット {n} の 784 個の重みを画像にしたもの (明るい: 正、暗い: 負)",
    "draw.inside.fires": "この絵で {n} が発火する場所 (強さ {value})",
    "draw.inside.neighbours": "モデルから見て最も近い学習画像",
    "draw.inside.neighbours_help": (
        "答えの直前の層での近さ (コサイン距離、0 = 同じ向き) で、{n} 枚の学習画像から探しています。"
    ),
    "draw.inside.neighbour": "{label} · {distance}",
    "draw.inside.no_neighbours": "このモデルの学習画像が利用できないため、近い画像は表示できません。",
    "draw.inside.index_building": "学習画像をこのモデルに一度だけ通しています: {done}",
    "draw.inside.index_failed": "学習画像をこのモデルに通せませんでした: {error}",
    "draw.inside.far.unlike": (
        "この絵は、モデルが学習したどの画像からも遠く離れています。モデルにとって似た学習画像がないので、"
        "この答えにはあまり意味がありません。"
    ),
    "draw.inside.far.too_strong": (
        "この絵は、どの学習画像よりもはるかに強くモデルを反応させます。学習したものとは違うので、"
        "この答えにはあまり意味がありません。"
    ),
    "draw.inside.far.too_weak": (
        "この絵にはモデルがほとんど反応しません。学習したものとは違うので、この答えにはあまり意味がありません。"
    ),

    # robustness
    "robust.title": "頑健性ラボ：数字を動かして答えの変化を見る",
    "robust.intro": (
        "モデルが知っているのは、学習したのと同じような数字（中央にあり、まっすぐで、大きさも線の太さも同じ）だけです。"
        "スライダーで数字を動かしたり、回したり、拡大・縮小したり、線を太く・細くしたり、"
        "ノイズを加えたりして、答えと確率の変化を見てみましょう。"
    ),
    "robust.no_data": "頑健性ラボにはテストデータが必要です：{problem}",
    "robust.source": "数字",
    "robust.source_drawing": "最後に描いた数字",
    "robust.source_test": "テスト画像",
    "robust.no_drawing": "「手書き」ページで描くと、その絵もここに出てきます。",
    "robust.index": "テスト画像の番号",
    "robust.label": "正解ラベル：**{label}**",
    "robust.dx": "右へ動かす（ピクセル）",
    "robust.dy": "下へ動かす（ピクセル）",
    "robust.rotation": "反時計回りに回す（度）",
    "robust.scale": "拡大・縮小（1 = そのまま）",
    "robust.thickness": "線を細く（-）・太く（+）",
    "robust.noise": "ノイズ（濃淡の段階）",
    "robust.reset": "元に戻す",
    "robust.before": "そのまま",
    "robust.after": "変えたもの",
    "robust.same": "まだ **{answer}** と読んでいます（{after}、変える前は {before}）。",
    "robust.changed": "いまは **{answer}**（{after}）と読んでいます。変える前は **{was}**（{before}）でした。",
    "robust.probabilities": "変えた画像の確率",
    "robust.curves": "テストデータ全体を動かし、回すと",
    "robust.curves_help": (
        "最初の {n} 枚のテスト画像を 0〜6 ピクセル動かした（右・下・左・上の平均）ときと、"
        "0〜90 度回した（両方向）ときのテスト正解率です。"
        "違いを見るには、両方の種類のモデルを選んでください。"
    ),
    "robust.models": "グラフに描くモデル",
    "robust.computing": "{name} を測定中：{total} 点のうち {done} 点",
    "robust.failed": "{name} の曲線を測れませんでした：{error}",
    "robust.shift_axis": "動かした量（ピクセル）",
    "robust.rotation_axis": "回した角度（度）",
    "robust.accuracy_axis": "テスト正解率",
    "robust.shift_title": "動かす",
    "robust.rotation_title": "回す",
    "robust.at_shift": (
        "{name}：そのままで {start}（最初の {n} 枚）、"
        "{px} ピクセル動かすと {moved}、{deg} 度回すと {turned}。"
    ),
    "robust.cnn_holds": (
        "{px} ピクセル動かすと、CNN は {cnn}、MLP は {mlp} です。"
        "CNN は同じ小さなフィルタを画像のあらゆる場所にすべらせ、見つけたものをプーリングでまとめるので、"
        "線が動いても同じフィルタに出会います。MLP の重みはそれぞれ 1 つの画素の場所に結びついているので、"
        "数字を動かすと別の重みがそれを見ることになります。"
    ),
    "robust.cnn_holds_augmented": (
        "{px} ピクセル動かすと、CNN は {cnn}、MLP は {mlp} です。この CNN を助けているものは 2 つあります。"
        "小さなフィルタが画像のあらゆる場所をすべるので線が動いても同じフィルタに出会うこと、そしてランダムに動かした数字で"
        "学習したこと（データ拡張）です。畳み込みだけの効果を見るには、「学習」ページで学習させた CNN を並べてください"
        "（そちらは数字をそのまま学びます）。"
    ),
    "robust.mlp_holds": (
        "{px} ピクセル動かすと、MLP は {mlp}、CNN は {cnn} です。ここでは CNN のほうが強いとは言えません。"
        "フィルタはすべりますが、最後の全結合層はまだ場所に左右されます。"
    ),
    "robust.one_model": (
        "MLP と CNN を比べるには、もう一方の種類のモデルを加えてください"
        "（なければ「学習」ページで作れます）。"
    ),
    "robust.augmented": (
        "{name} は、ランダムに動かし・回し・拡大縮小した数字で学習しました（データ拡張）。"
        "強さの多くはそのためです。"
    ),

    # evaluate
    "evaluate.title": "テストデータでモデルを評価する",
    "evaluate.no_data": "テストデータが利用できないため、評価できません。{problem}",
    "evaluate.other_dataset": (
        "このモデルは {trained} で学習されました。ここではサイドバーで選んだ {chosen} で評価しています。"
    ),
    "evaluate.computing": "テスト画像を予測しています: {total} 枚中 {done} 枚",
    "evaluate.so_far": "ここまでの {n} 枚の正解率: {acc}",
    "evaluate.failed": "評価に失敗しました: {error}",
    "evaluate.mistakes": "誤り",
    "evaluate.per_class": "クラスごとの正解率",
    "evaluate.confusion": "混同行列",
    "evaluate.confusion_help": (
        "混同行列 (confusion matrix): 行は正解のクラス、列はモデルの予測です。セルをクリックするか右側で選ぶと、そのテ"
        "スト画像が表示されます。"
    ),
    "evaluate.predicted": "予測",
    "evaluate.true": "正解",
    "evaluate.cell_hover": "正解 %{y}、予測 %{x}: %{z} 枚",
    "evaluate.cell_count": "正解が **{true}** で **{pred}** と予測されたテスト画像は **{n}** 枚です。",
    "evaluate.cell_first": "そのうち最初の {shown} 枚:",
    "evaluate.grid": "テスト画像 30 枚: 予測が正しければ青、間違いなら赤",
    "evaluate.only_mistakes": "間違えた画像だけ表示",
    "evaluate.truth": "正解ラベル: {label}",
    "evaluate.first_ten": "最初の 10 枚のテスト画像",
    "evaluate.first_ten_help": (
        "チュートリアルでおなじみの確認です: np.argmax(model.predict(x_test[:10]), axis=1) と y_test[:10] を並べます。"
    ),
    "evaluate.label": "ラベル",
    "evaluate.prediction": "予測",

    # compare
    "compare.title": "学習結果を比較する",
    "compare.experiment": "正規化の実験",
    "compare.experiment_intro": (
        "ボタン 1 つで同じモデルを同じ乱数シードで 2 回学習させます。1 回はピクセル値を 255 で割って、もう 1 回は生の "
        "0〜255 の値のままです。両方が学ぶ様子を同じグラフで見比べましょう。"
    ),
    "compare.run": "実験を開始",
    "compare.step": "ステップ {step}:",
    "compare.second_step": "ステップ 1 が終わると始まります",
    "compare.log_scale": "損失を対数目盛で表示",
    "compare.log_scale_help": (
        "生のピクセル値の損失は 100 前後から始まり、もう一方は 1 未満です。対数目盛なら両方の曲線が見えます。"
    ),
    "compare.accuracy_normalized_better": (
        "**結果** / 255 ありではテスト正解率 **{norm}**、生のピクセル値では **{raw}** にとどまりました。"
    ),
    "compare.accuracy_raw_better": (
        "**結果** 今回は生のピクセル値のほうがテスト正解率が高くなりました: **{raw}**（/ 255 ありは **{norm}**）。"
    ),
    "compare.accuracy_same": (
        "**結果** 2 つの学習のテスト正解率はほぼ同じです: / 255 ありは **{norm}**、生のピクセル値は **{raw}**。"
    ),
    "compare.roughness_raw_rougher": (
        "生のピクセル値の学習はより不安定でした: 損失はバッチごとに水準の {raw_rough} 跳ねました（/ 255 ありは "
        "{norm_rough}）。"
    ),
    "compare.roughness_raw_smoother": (
        "生のピクセル値の損失のほうが、バッチごとの跳ねが小さくなりました: 水準の {raw_rough}（/ 255 ありは "
        "{norm_rough}）。"
    ),
    "compare.roughness_same": (
        "どちらの損失もバッチごとに同じくらい跳ねました: 水準の {norm_rough}（/ 255 あり）と {raw_rough}（生の値）。"
    ),
    "compare.why": (
        "**理由。** 最初の層の出力は 784 ピクセルの重み付き和です。最大 255 の生の値では、その和も勾配も最大 1 "
        "の値のときの約 255 倍になります。学習率は 0〜1 "
        "程度の入力を前提に選ばれているので、毎回の更新が行き過ぎます。重みが飛び回り、ReLU "
        "ユニットは死んだり飽和したりして、曲線が乱れます。255 "
        "で割っても画像は何も変わらず、数値の大きさが変わるだけです。"
    ),
    "compare.why_not_this_time": (
        "**今回差が出なかった理由** 255 "
        "で割る効果が最も大きいのは最初の更新です。この最適化手法（Adam、RMSprop、Adadelta "
        "は勾配の履歴に合わせて歩幅を決めます）や学習率では、生の値でも追いつきました。普通の SGD "
        "や大きめの学習率にすると差が戻ってきます。"
    ),
    "compare.diverged": (
        "今回は生の値の学習が**発散**しました。損失が爆発し、当てずっぽうとほとんど変わらない予測しかできません。"
    ),
    "compare.test_above_train": (
        "生の値の学習では、いくつかのエポックで**検証データの正解率が学習データの正解率を上回った**ことに注目してくださ"
        "い (チュートリアルと同じです)。学習データの正解率は重みが動いている間のエポック全体の平均で、ドロップアウトも"
        "有効です。テストではエポック終了時の重みを使い、ドロップアウトは無効になります。"
    ),
    "compare.overlay": "学習結果と保存したモデルを重ねて表示",
    "compare.nothing": "モデルを学習 (または保存) すると、その曲線をここで比べられます。",
    "compare.nothing_yet": "学習中またはテスト中の実行があります。終わるとその曲線をここで比べられます。",
    "compare.pick": "学習結果とモデル",
    "compare.col_name": "名前",
    "compare.col_kind": "種類",

    # data
    "data.title": "データを見る: {name}",
    "data.intro": (
        "学習用画像 {train} 枚とテスト用画像 {test} 枚。どれも 28x28 ピクセルでラベルが 1 "
        "つ付いています。モデルは学習用画像から学び、テスト用画像は公平に性能を測るために別にしておきます。"
    ),
    "data.per_class": "クラスごとの画像数",
    "data.train": "学習用",
    "data.test": "テスト用",
    "data.balance": (
        "クラスの数はほぼ均等です。学習用で最も少ないのは {low} ({low_n} 枚)、最も多いのは {high} ({high_n} 枚) "
        "なので、ここでは正解率 1 つで公平に評価できます。"
    ),
    "data.balanced": "クラスは完全に均等です（各 {n} 枚）。そのため、ここでは正解率ひとつで公平に評価できます。",
    "data.one_image": "1 枚の画像をピクセルごとに見る",
    "data.index": "学習用画像の番号",
    "data.label": "ラベル: {label}",
    "data.grayscale": (
        "画像はもともと**グレースケール**です。1 ピクセルにつき数値が 1 つで、黒い背景が 0、インクが最も濃いところが "
        "255 です。正規化 (÷ 255) をしても見た目はまったく変わりません。すべての数値を 0〜1 "
        "の範囲に縮めるだけで、それがネットワークの重みと勾配に合うのです。"
    ),
    "data.raw_tab": "生のピクセル値 0-255",
    "data.scaled_tab": "÷ 255 の後 (0-1)",
    "data.raw_title": "保存されているピクセル値 (uint8)",
    "data.scaled_title": "同じピクセルを x / 255 した値",
    "data.one_hot": "ラベルのワンホット表現",
    "data.one_hot_text": (
        "ラベル **{label}** は、位置 {k} だけが 1 で他はすべて 0 のベクトルになります (ワンホット表現, one-hot "
        "encoding)。クラスごとに 1 列です。ネットワークの 10 個の出力 (softmax の確率) "
        "は、このベクトルと交差エントロピー (categorical cross-entropy) で比べられます。整数のラベルのまま sparse "
        "categorical cross-entropy を使っても、まったく同じ損失になります。"
    ),
    "data.no_data": "このデータセットは利用できません。{problem}",

    # teacher
    "teacher.title": "先生",
    "teacher.no_passcode": (
        "サーバーの管理者が先生用のパスコードを設定するまで、このページは閉じています。"
        "環境変数 `{env}` を設定してアプリを起動するか、"
        "`.streamlit/secrets.toml` に `teacher_passcode = \"...\"` と書いてください。"
        "それまでクラスの様子は何も表示しません。"
    ),
    "teacher.passcode": "先生用パスコード",
    "teacher.enter": "先生のページを開く",
    "teacher.wrong_passcode": "パスコードが違います。",
    "teacher.leave": "先生のページを閉じる",
    "teacher.class": "クラス",
    "teacher.class_all": "すべての学習者",
    "teacher.class_none": "(クラスコードなし)",
    "teacher.class_help": (
        "クラスを選ぶか、新しいコードを入力します。学習者は ?class=コード の付いたリンクを開くとクラスに入ります"
        "(下の課題リンクに付いています)。"
    ),
    "teacher.metric.learners": "学習者",
    "teacher.metric.training": "学習中",
    "teacher.metric.waiting": "順番待ち",
    "teacher.metric.finished": "テスト済みの実行",
    "teacher.now": "学習者ごとの今の実行",
    "teacher.no_learners": "まだ誰もアプリを開いていません。",
    "teacher.no_run": "まだ実行なし",
    "teacher.testing": "テスト中…",
    "teacher.col.learner": "学習者",
    "teacher.col.class": "クラス",
    "teacher.col.run": "実行",
    "teacher.col.state": "状態",
    "teacher.col.epoch": "エポック",
    "teacher.col.accuracy": "訓練精度",
    "teacher.col.place": "待ち順",
    "teacher.col.rank": "順位",
    "teacher.leaderboard": "ランキング: テスト済みの実行、よい順",
    "teacher.no_results": "まだテストまで終わった実行はありません。",
    "teacher.experiment": "クラスの実験",
    "teacher.experiment_setting": "テスト精度と比べる設定",
    "teacher.experiment_help": "クラスのテスト済みの実行が1つずつ点になります。色は画素を255で割ったかどうかです。",
    "teacher.confusion": "クラスのモデルが取り違えるもの",
    "teacher.no_confusion": "実行がテストされると、クラス全体の混同行列がここに表示されます。",
    "teacher.confusion_most": (
        "{dataset} でテスト済みのクラスの {runs} 件の実行の合計:モデルが最も多く取り違えたのは **{true}** を "
        "**{pred}** と予測したもので、{n} 回(誤り全 {mistakes} 件の {share})です。"
    ),
    "teacher.confusion_none": "{dataset} でテスト済みのクラスの {runs} 件の実行の合計:誤りは1つもありません。",
    "teacher.projector": "プロジェクター表示",
    "teacher.projector_help": (
        "1つの実行を大きく、教室の全員に:学習曲線、混同行列、最初の層の重みを、学習中はそのまま更新しながら表示します。"
        "サイドバーを閉じ(上部の «)、全画面表示(F11)にすると最も広く使えます。"
    ),
    "teacher.projector_run": "表示する実行",
    "teacher.projector_best": "クラスで最も良いテスト済みの実行",
    "teacher.projector_none": "テスト済みの実行はまだありません。学習者の実行を選んでください。",
    "teacher.projector_waiting": "この実行は空きを待っています。学習が始まると曲線が表示されます。",
    "teacher.projector_no_curves": "この実行は最初のバッチの前に終わったため、曲線がありません。",
    "teacher.projector_untested": "混同行列は、この実行がテストデータでテストされると表示されます。",
    "teacher.projector_no_weights": "この実行には最初の層の重みの画像がありません。",
    "teacher.controls": "クラスの操作",
    "teacher.pause": "順番待ちを一時停止",
    "teacher.resume": "順番待ちを再開",
    "teacher.paused": "順番待ちは一時停止中です。学習中の実行は続き、待っている実行は再開すると始まります。",
    "teacher.stop_run": "学習者の実行を止める",
    "teacher.stop": "止める",
    "teacher.stopped_reason": "先生が止めました",
    "teacher.nothing_to_stop": "このサーバーで学習中・順番待ちの実行はありません。",
    "teacher.export": "結果をダウンロード (CSV)",
    "teacher.publish": "モデルをクラスに公開",
    "teacher.publish_help": "共有モデルにコピーします。学習者全員が「描く」「評価」で使え、誰も変更できません。",
    "teacher.publish_model": "学習者が保存したモデル",
    "teacher.publish_name": "クラスでの名前",
    "teacher.publish_button": "公開する",
    "teacher.published": "{name} を学習者全員が使えるようになりました。",
    "teacher.nothing_saved": "このクラスでモデルを保存した学習者はまだいません。",
    "teacher.reset": "クラスをリセット",
    "teacher.reset_help": "上に表示している学習者のワークスペース(実行・モデル・設定)を削除します。",
    "teacher.reset_ask": "{n} 人の学習者のワークスペースを削除しますか? 元には戻せません。",
    "teacher.reset_yes": "はい、削除します",
    "teacher.reset_no": "いいえ、残します",
    "teacher.reset_done": "{n} 人分のワークスペースを削除しました。",
    "teacher.exercise.title": "課題リンク",
    "teacher.exercise.help": (
        "課題に合わせて「学習」ページを設定し、学習者が変えられないようにする項目を選びます。リンクを開くとその設定で"
        "「学習」ページが開き、学習者は自分のワークスペースのままです。"
    ),
    "teacher.exercise.set": "この設定を指定する",
    "teacher.exercise.lock": "固定する項目",
    "teacher.exercise.link": "リンク",
    "teacher.exercise.qr": "読み取ると課題が開きます",
    "teacher.exercise.unknown": "リンクの {name}={value} は「学習」ページにない値なので使いませんでした。",
    "teacher.exercise.clamped": (
        "リンクの {name}={value} は「学習」ページで選べる範囲 ({low}〜{high}) にないので、"
        "いちばん近い {used} にしました。"
    ),
    "teacher.exercise.kind_of_preset": "プリセット {preset} は {kind} なので、種類はプリセットに合わせました。",
    "teacher.exercise.unknown_lock": (
        "リンクは {name} の固定を求めていますが、そのような設定はないので何も固定していません。"
    ),
    "teacher.exercise.locked_note": "この課題では先生がいくつかの設定を固定しています(灰色の項目)。",
    # error
    "error.upload.empty": "ファイルが空です",
    "error.upload.too_big": "ファイルが {size} MB あります。上限は {limit} MB です",
    "error.upload.format": "{kind} 形式には対応していません。PNG か JPEG をアップロードしてください",
    "error.upload.too_many_pixels": (
        "画像が {width}x{height}（{mp} メガピクセル）あります。上限は {limit} メガピクセルです"
    ),
    "error.upload.not_image": "PNG や JPEG の画像ではありません（または安全に開くには大きすぎます）",
    "error.upload.damaged": "画像が壊れているか途中で切れています（{detail}）",
    "error.model.sidecar": "{name}: 付属の JSON ファイルが読めません",
    "error.model.missing": "{name}: モデルファイルがありません",
    "error.model.too_big": "{name}: {limit} MB を超えています",
    "error.model.not_keras": "{name}: .keras ファイルではありません",
    "error.model.invalid": "{name}: 正しい Keras モデルではありません（{detail}）",
    "error.model.unsafe": (
        "{name}: 読み込みを拒否しました。セーフモードでは実行しないコード（Lambda 層）が含まれています"
    ),
    "error.model.io_count": "{name}: 入力と出力がちょうど 1 つずつ必要です",
    "error.model.input_shape": "{name}: 入力の形が {shape} です。28x28 の画像を受け取るモデルが必要です",
    "error.model.outputs": "{name}: 出力が {shape} です。10 クラスの出力が必要です",
    "error.model.archive": (
        "{name}: 正しい Keras モデルファイルではありません（.keras ファイルは zip "
        "形式ですが、このファイルは読めません）"
    ),
    "error.model.directory": (
        "{name}: zip の目次に {count} 個の項目があります。Keras のモデルファイルは多くても {limit} 個です"
    ),
    "error.model.members": "{name}: Keras のモデルファイルに入るはずのない「{member}」が含まれています",
    "error.model.member_missing": (
        "{name}: {member} がありません。Keras 3 でモデルを保存し直してください（model.save(\"name.keras\")）"
    ),
    "error.model.packing": "{name}: 「{member}」はこのアプリが開けない方法で圧縮または暗号化されています",
    "error.model.unpacked_too_big": "{name}: {member} は展開すると {size} MB になります。上限は {limit} MB です",
    "error.model.archive_too_big": "{name}: 展開すると {size} MB になります。上限は {limit} MB です",
    "error.model.bomb": "{name}: {member} の圧縮率が {ratio}:1 で、zip 爆弾の特徴があります。読み込みを拒否しました",
    "error.model.config": "{name}: config.json が正しい JSON ではありません",
    "error.model.config_nesting": (
        "{name}: config.json の入れ子が {limit} 段より深くなっています。読み込みを拒否しました"
    ),
    "error.model.foreign_code": (
        "{name}: 読み込みを拒否しました。Keras の外にあるコード（{what}）を指定しています。中身は何も実行していません"
    ),
    "error.model.weights": "{name}: 重みのファイル（model.weights.h5）が壊れているか、HDF5 ファイルではありません",
    "error.model.weights_too_big": "{name}: 重みの配列が合計 {size} MB と宣言されています。上限は {limit} MB です",
    "error.model.weights_layout": (
        "{name}: 重みのファイルが Keras のモデルには不要な HDF5 "
        "の機能（リンク、外部ファイル、特殊な型やフィルター）を使っています。読み込みを拒否しました"
    ),
    "error.model.too_much_memory": (
        "{name}: 開くのに、このアプリがモデルに許すより多くのメモリーが必要です。読み込みを拒否しました"
    ),
    "error.model.too_slow": "{name}: 確認に {seconds} 秒以上かかりました。読み込みを拒否しました",
    "error.model.check_failed": "{name}: このファイルの確認が結論を出せずに止まりました。読み込みを拒否しました",
    "error.model.busy": "{name}: サーバーはいま他のアップロードを確認中です。1 分ほどしてからもう一度試してください",
    "error.data.not_found": (
        "{name} のデータが見つかりません。環境変数 {env} に、{folder}/ と 4 つの IDX "
        "ファイルを含むフォルダーを設定してください（例: export "
        "{env}=/path/to/data）。またはインターネットにつないだ状態で一度アプリを起動すると、Keras "
        "がダウンロードします（MNIST は約 11 MB、Fashion-MNIST は約 30 MB）。"
    ),
    "error.data.broken": "データファイルが壊れているため、このデータセットは使えません: {detail}",
    "error.data.download_failed": (
        "{name} のデータが見つかりません（ダウンロードに失敗しました: {reason}）。{folder}/ に 4 つの IDX "
        "ファイルがあるフォルダを {env} に指定するか（例: export {env}=/path/to/data）、一度インターネットに接続して "
        "Keras にダウンロードさせてください（MNIST は約 11 MB、Fashion-MNIST は約 30 MB）。"
    ),
    "error.data.unreadable": "{file}: 読み込めません（{detail}）",
    "error.data.short_header": "{file}: IDX のヘッダーには短すぎます（{size} バイト）",
    "error.data.image_magic": "{file}: IDX の画像ファイルではありません（マジックナンバー {magic}、期待値 {expected}）",
    "error.data.label_magic": (
        "{file}: IDX のラベルファイルではありません（マジックナンバー {magic}、期待値 {expected}）"
    ),
    "error.data.image_size": "{file}: 画像が {rows}x{cols} です。28x28 が必要です",
    "error.data.image_count": "{file}: ヘッダーの画像数は {count} ですが、{expected} のはずです",
    "error.data.label_count": "{file}: ヘッダーのラベル数は {count} ですが、{expected} のはずです",
    "error.data.truncated": (
        "{file}: 途中で切れているか余分があります（{size} バイト、ヘッダーからは {expected} バイト）"
    ),
    "error.data.label_range": "{file}: ラベル {label} が 0〜9 の範囲外です",
    "error.data.missing_files": (
        "{folder}: {split}-images-idx3-ubyte[.gz] か {split}-labels-idx1-ubyte[.gz] がありません"
    ),
    "error.data.npz_unreadable": "{file}: 読み込める mnist.npz ではありません（{detail}）",
    "error.data.npz_images": "{file}: x_{split} が {dtype} {shape} です。uint8 ({count}, 28, 28) が必要です",
    "error.data.npz_labels": "{file}: y_{split} は 0〜9 のラベル {count} 個でなければなりません",
    "error.data.unknown": "不明なデータセット {name} です。{choices} から選んでください",
    "error.name.empty": "名前が空です",
    "error.name.too_long": "名前が {limit} 文字を超えています",
    "error.name.characters": "名前に / \\ : * ? \" < > | や制御文字は使えません",
    "error.name.dot": "名前をドットで始めることはできません",
    "error.save.failed": "{name} を保存できませんでした（{detail}）。書きかけのファイルは残っていません",
    "error.workspace.not_yours": "そのモデルはあなたのワークスペースにありません",
    "error.workspace.name_taken": "{name} という名前のモデルはすでにあります",
    "error.workspace.saves_full": "保存できるモデルは {limit} 個までです。先にどれかを削除してください",
    "error.workspace.uploads_full": (
        "アップロードできるモデルは {limit} 個（合計 {mb} MB）までです。先にどれかを削除してください"
    ),
    "error.workspace.reserved": "{name} はクラス全員で共有しているモデルの名前です。別の名前にしてください",
    "error.class.name_taken": "クラスの共有モデルに {name} という名前のものがすでにあります。別の名前にしてください",
    "error.class.model_missing": "モデル {name} はもうありません",
    "error.database.unreachable": (
        "いまクラスのデータベースにつながりません。あなたの作業は失われていません。"
        "1 分ほどしてからページを再読み込みしてください。続くようなら先生に知らせてください"
    ),
    "error.database.busy": (
        "いまクラスのデータベースが混み合っています。あなたの作業は失われていません。少ししてからもう一度試してください"
    ),
    "error.cluster.unreachable": (
        "クラスのモデルを学習するコンピューターが応答しないため、この学習を始められませんでした。これまでの学習とモデルは"
        "無事です。少し待ってからもう一度試し、続くようなら先生に知らせてください"
    ),
    "error.cluster.worker_lost": (
        "この学習をしていたコンピューターが途中で止まったため、そのモデルは失われました。ほかの学習とモデルは無事です。"
        "もう一度学習を始めてください"
    ),
    "error.cluster.no_answer": (
        "この学習をしているコンピューターが {seconds} 秒応答しないため、学習を打ち切りました。"
        "ほかの学習とモデルは無事です。もう一度学習を始めてください"
    ),
    "error.cluster.failed": "クラスのコンピューターで学習を実行できませんでした（{detail}）。もう一度始めてください",
}
