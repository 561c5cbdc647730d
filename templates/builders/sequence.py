"""Sequence and text models: the seeds' Conv1D models, the dense speech baseline, recurrent
forecasters, the BiLSTM sentiment classifier, a seq2seq with attention and a Transformer."""

from __future__ import annotations

import keras
from keras import layers

from studio.data.synthetic_text import ALPHABET
from templates.builders import (
    TemplateInfo,
    bundled,
    classify,
    regress,
    template,
    training,
)

SINE = bundled("sine")
TOKENS = bundled("tokens")
TOKEN_LENGTH = 20
TOKEN_VOCAB = 100
CHAR_WINDOW = 10
CHAR_VOCAB = len(ALPHABET)


@template(
    TemplateInfo(
        name="conv1d_regressor",
        title="Conv1D sequence regressor",
        description="The seed's toy: Conv1D(10, kernel 2) on 3 steps → MaxPooling1D → Dense(50) → "
        "Dense(1), predicting the next number of a series. A Cropping1D keeps the last "
        "3 steps of each generated sine window (no parameters), so the model sees "
        "exactly the seed's (3, 1) input.",
        task="sequences",
        dataset=SINE,
        params=631,
        training=regress(30, 32),
        source="catalogue §3.5 / §9 #5 (seed 004)",
        real_dataset="toy series [[10,20,30],...]",
    )
)
def conv1d_regressor() -> keras.Model:
    inputs = keras.Input((32, 1), name="window")
    x = layers.Cropping1D((29, 0), name="last_3_steps")(inputs)
    x = layers.Conv1D(10, kernel_size=2, name="conv1d")(x)
    x = layers.MaxPooling1D(name="max_pooling1d")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(50, activation="relu", name="dense")(x)
    outputs = layers.Dense(1, name="dense_1")(x)
    return keras.Model(inputs, outputs, name="conv1d_regressor")


@template(
    TemplateInfo(
        name="conv1d_activity",
        title="Conv1D accelerometer activity classifier",
        description="The seed's activity classifier: Conv1D(1, kernel 5) over 120 steps × 3 axes → "
        "MaxPooling1D → Dense(50) → 3 activities. No accelerometer set ships, so the "
        "bundled 64-step waveforms (sine, square, sawtooth) stand in: UpSampling1D and "
        "Cropping1D stretch them to 120 steps and the one channel is repeated on three "
        "axes, all without parameters.",
        task="sequences",
        dataset=bundled("sequence_classes"),
        params=3_119,
        training=classify(20, 32),
        source="catalogue §3.6 / §9 #6 (seed 004)",
        real_dataset="accelerometer windows (120, 3)",
    )
)
def conv1d_activity() -> keras.Model:
    inputs = keras.Input((64, 1), name="waveform")
    x = layers.UpSampling1D(2, name="stretch")(inputs)
    x = layers.Cropping1D((4, 4), name="to_120_steps")(x)
    x = layers.Concatenate(name="three_axes")([x, x, x])
    x = layers.Conv1D(1, kernel_size=5, name="conv1d")(x)
    x = layers.MaxPooling1D(name="max_pooling1d")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(50, activation="relu", name="dense")(x)
    outputs = layers.Dense(3, activation="softmax", name="dense_1")(x)
    return keras.Model(inputs, outputs, name="conv1d_activity")


@template(
    TemplateInfo(
        name="speech_dense",
        title="Dense baseline for speech",
        description="The seed's fully-connected speech model, 1209 → 600 → 300 → 300 → 150 → 100 "
        "classes, about a million parameters (the seed's point: a 4-layer CNN does the "
        "same with 200K). Its input is a 39×31 spectrogram; offline, the bundled 28×28 "
        "digits are zero-padded to 39×31 as a stand-in for spoken digits.",
        task="sequences",
        dataset=bundled("mnist_like"),
        params=1_056_850,
        training=classify(5, 64),
        source="catalogue §3.12 / §9 #15 (seed 000)",
        real_dataset="speech spectrograms 39×31×1",
    )
)
def speech_dense() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="spectrogram")
    x = layers.ZeroPadding2D(((5, 6), (1, 2)), name="to_39x31")(inputs)
    x = layers.Flatten(name="flatten_1209")(x)
    for i, units in enumerate((600, 300, 300, 150), start=1):
        x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
    outputs = layers.Dense(100, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="speech_dense")


def _forecaster(kind: str, units: int) -> keras.Model:
    inputs = keras.Input((32, 1), name="window")
    rnn = getattr(layers, kind)(units, name=kind.lower())
    outputs = layers.Dense(1, name="next_value")(rnn(inputs))
    return keras.Model(inputs, outputs, name=f"{kind.lower()}_forecaster")


_FORECAST = (
    "reads a 32-step window of a noisy sine wave and predicts the next value; "
    "compare the three recurrent cells on the same data."
)


@template(
    TemplateInfo(
        name="simplernn_forecaster",
        title="SimpleRNN forecaster",
        description="SimpleRNN(32) → Dense(1): the plain recurrent cell " + _FORECAST,
        task="sequences",
        dataset=SINE,
        params=1_121,
        training=regress(15, 32),
        source="catalogue §2.4 / §3.13 (RNN snippets, seed 000)",
    )
)
def simplernn_forecaster() -> keras.Model:
    return _forecaster("SimpleRNN", 32)


@template(
    TemplateInfo(
        name="lstm_forecaster",
        title="LSTM forecaster",
        description="LSTM(32) → Dense(1): gated memory cell " + _FORECAST,
        task="sequences",
        dataset=SINE,
        params=4_385,
        training=regress(15, 32),
        source="catalogue §2.4 / §3.13 (RNN snippets, seed 000)",
    )
)
def lstm_forecaster() -> keras.Model:
    return _forecaster("LSTM", 32)


@template(
    TemplateInfo(
        name="gru_forecaster",
        title="GRU forecaster",
        description="GRU(32) → Dense(1): the lighter gated cell " + _FORECAST,
        task="sequences",
        dataset=SINE,
        params=3_393,
        training=regress(15, 32),
        source="catalogue §2.4 (GRU)",
    )
)
def gru_forecaster() -> keras.Model:
    return _forecaster("GRU", 32)


@template(
    TemplateInfo(
        name="char_rnn",
        title="Character model (SimpleRNN / LSTM)",
        description="The 'Alice' lab's next-character model: a window of 10 characters → "
        "SimpleRNN(128) → softmax over the 28 characters. Characters come in as ids "
        "through an Embedding rather than one-hot vectors (the same model, fewer "
        "numbers to store); swap SimpleRNN for LSTM to repeat the lab's comparison. "
        "Offline it reads the bundled 'chars' text, sentences from a small Alice-like "
        "grammar cut into 10-character windows; the book itself is a download.",
        task="text",
        dataset=bundled("chars"),
        params=22_620,
        training=classify(10, 32),
        source="catalogue §3.14 / §9 #10 (Alice char generator, seed 001)",
        real_dataset="Alice in Wonderland, 10-char windows",
    )
)
def char_rnn() -> keras.Model:
    inputs = keras.Input((CHAR_WINDOW,), dtype="int32", name="chars")
    x = layers.Embedding(CHAR_VOCAB, 16, name="char_embedding")(inputs)
    x = layers.SimpleRNN(128, name="simple_rnn")(x)
    outputs = layers.Dense(CHAR_VOCAB, activation="softmax", name="next_char")(x)
    return keras.Model(inputs, outputs, name="char_rnn")


@template(
    TemplateInfo(
        name="bilstm_sentiment",
        title="Embedding + Bidirectional LSTM sentiment",
        description="The seed's binary text classifier: Embedding(V, L) → Bidirectional(LSTM(L)) "
        "→ Dense(64) → sigmoid, with L = max_seqlen used for both the embedding size "
        "and the LSTM units as in the seed. Here V = 100 and L = 20 (the bundled token "
        "set); with IMDB (V = 5000, L = 64) the same design has 394,369 parameters.",
        task="text",
        dataset=TOKENS,
        params=11_249,
        training=training("BinaryCrossentropy", 10, 32),
        source="catalogue §3.10 / §9 #9 (seed 000, IMDB lab in 001)",
        real_dataset="keras:imdb",
    )
)
def bilstm_sentiment() -> keras.Model:
    inputs = keras.Input((TOKEN_LENGTH,), dtype="int32", name="tokens")
    x = layers.Embedding(TOKEN_VOCAB, TOKEN_LENGTH, name="embedding")(inputs)
    x = layers.Bidirectional(layers.LSTM(TOKEN_LENGTH), name="bidirectional")(x)
    x = layers.Dense(64, activation="relu", name="dense")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="sentiment")(x)
    return keras.Model(inputs, outputs, name="bilstm_sentiment")


@template(
    TemplateInfo(
        name="seq2seq_attention",
        title="Seq2Seq encoder–decoder with attention",
        description="An LSTM encoder reads the window and hands its final states to an LSTM "
        "decoder; dot-product Attention lets the decoder look back at every encoder "
        "step, and the attended context is joined to the decoder output to predict the "
        "next value. The decoder runs one step here (one value ahead); repeat more "
        "steps for longer horizons.",
        task="sequences",
        dataset=SINE,
        params=12_737,
        training=regress(15, 32),
        source="catalogue §2.4-2.5 (encoder-decoder, attention concepts)",
    )
)
def seq2seq_attention() -> keras.Model:
    inputs = keras.Input((32, 1), name="window")
    enc_seq, state_h, state_c = layers.LSTM(
        32, return_sequences=True, return_state=True, name="encoder"
    )(inputs)
    start = layers.RepeatVector(1, name="decoder_start")(state_h)
    dec_seq = layers.LSTM(32, return_sequences=True, name="decoder")(
        start, initial_state=[state_h, state_c]
    )
    context = layers.Attention(name="attention")([dec_seq, enc_seq])
    x = layers.Concatenate(name="decoder_and_context")([dec_seq, context])
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(1, name="next_value")(x)
    return keras.Model(inputs, outputs, name="seq2seq_attention")


@template(
    TemplateInfo(
        name="transformer_classifier",
        title="Transformer encoder classifier",
        description="One Transformer encoder block over token embeddings: MultiHeadAttention "
        "(2 heads) with a residual Add and LayerNormalization, then a position-wise "
        "feed-forward Dense pair with its own residual and normalization, averaged "
        "over the sequence for a sigmoid output. No positional encoding: the bundled "
        "task depends on which tokens occur, not on their order.",
        task="text",
        dataset=TOKENS,
        params=11_777,
        training=training("BinaryCrossentropy", 10, 32),
        source="catalogue §2.5 (Transformer concepts; BERT/GPT family in §3.15)",
        real_dataset="keras:imdb",
    )
)
def transformer_classifier() -> keras.Model:
    inputs = keras.Input((TOKEN_LENGTH,), dtype="int32", name="tokens")
    x = layers.Embedding(TOKEN_VOCAB, 32, name="embedding")(inputs)
    attn = layers.MultiHeadAttention(num_heads=2, key_dim=16, name="self_attention")(x, x)
    attn = layers.Dropout(0.1, name="attention_dropout")(attn)
    x = layers.LayerNormalization(name="norm1")(layers.Add(name="residual1")([x, attn]))
    ff = layers.Dense(64, activation="relu", name="ffn_1")(x)
    ff = layers.Dense(32, name="ffn_2")(ff)
    x = layers.LayerNormalization(name="norm2")(layers.Add(name="residual2")([x, ff]))
    x = layers.GlobalAveragePooling1D(name="average")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="sentiment")(x)
    return keras.Model(inputs, outputs, name="transformer_classifier")
