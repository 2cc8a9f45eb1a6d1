"""Sequence-to-sequence learning with LSTM encoder states.

A toy "translation": the target sequence is the source sequence reversed. The encoder's
final states (return_state=True) start the decoder (initial_state=...), trained with
teacher forcing. For inference, an encoder model and a one-step decoder model are rebuilt
from the trained layers, as in Keras's seq2seq example. The trained model is saved as a
Keras 3 ".keras" file and loaded back.

Run: python examples/seq2seq_lstm.py
"""

import os
import tempfile

import numpy as np

import sloi as keras
from sloi import layers

NUM_TOKENS = 6  # symbols 0..3, then START (4) and END (5)
START, END = 4, 5
LENGTH = 4
LATENT = 48


def make_data(n, rng):
    src = rng.integers(0, 4, size=(n, LENGTH))
    tgt = src[:, ::-1]
    dec_in = np.concatenate([np.full((n, 1), START), tgt], axis=1)
    dec_out = np.concatenate([tgt, np.full((n, 1), END)], axis=1)
    eye = np.eye(NUM_TOKENS, dtype="float32")
    return eye[src], eye[dec_in], eye[dec_out], tgt


def build_training_model():
    encoder_inputs = keras.Input(shape=(None, NUM_TOKENS), name="encoder_inputs")
    encoder = layers.LSTM(LATENT, return_state=True, name="encoder_lstm")
    _, state_h, state_c = encoder(encoder_inputs)

    decoder_inputs = keras.Input(shape=(None, NUM_TOKENS), name="decoder_inputs")
    decoder_lstm = layers.LSTM(
        LATENT, return_sequences=True, return_state=True, name="decoder_lstm"
    )
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = layers.Dense(NUM_TOKENS, activation="softmax", name="decoder_dense")
    outputs = decoder_dense(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], outputs)


def build_inference_models(model):
    """Rebuilds the encoder and a one-step decoder from the trained layers."""
    encoder_inputs = model.input[0]
    _, state_h, state_c = model.get_layer("encoder_lstm").output
    encoder_model = keras.Model(encoder_inputs, [state_h, state_c])

    decoder_inputs = keras.Input(shape=(None, NUM_TOKENS))
    state_h_in = keras.Input(shape=(LATENT,))
    state_c_in = keras.Input(shape=(LATENT,))
    decoder_lstm = model.get_layer("decoder_lstm")
    out, h, c = decoder_lstm(decoder_inputs, initial_state=[state_h_in, state_c_in])
    out = model.get_layer("decoder_dense")(out)
    decoder_model = keras.Model([decoder_inputs, state_h_in, state_c_in], [out, h, c])
    return encoder_model, decoder_model


def decode(encoder_model, decoder_model, src_onehot):
    states = encoder_model.predict(src_onehot, verbose=0)
    n = src_onehot.shape[0]
    token = np.zeros((n, 1, NUM_TOKENS), dtype="float32")
    token[:, 0, START] = 1.0
    decoded = []
    for _ in range(LENGTH):
        probs, h, c = decoder_model.predict([token] + list(states), verbose=0)
        ids = probs[:, -1].argmax(axis=-1)
        decoded.append(ids)
        token = np.eye(NUM_TOKENS, dtype="float32")[ids][:, None, :]
        states = [h, c]
    return np.stack(decoded, axis=1)


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    enc_x, dec_x, dec_y, _ = make_data(512, rng)
    test_enc, _, _, test_tgt = make_data(64, rng)

    model = build_training_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit([enc_x, dec_x], dec_y, batch_size=64, epochs=12, verbose=0)
    losses = history.history["loss"]
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")

    encoder_model, decoder_model = build_inference_models(model)
    decoded = decode(encoder_model, decoder_model, test_enc)
    token_acc = float((decoded == test_tgt).mean())
    print(f"greedy decoding, token accuracy on new sequences: {token_acc:.2f} (chance 0.25)")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "seq2seq.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        before = model.predict([test_enc, np.zeros_like(test_enc)], verbose=0)
        after = restored.predict([test_enc, np.zeros_like(test_enc)], verbose=0)
        # the inference models rebuilt from the reloaded layers decode the same tokens
        enc2, dec2 = build_inference_models(restored)
        decoded2 = decode(enc2, dec2, test_enc)
    print("reloaded model: max |difference| =", float(np.abs(before - after).max()))

    assert losses[-1] < 0.5 * losses[0], losses
    assert token_acc > 0.6, token_acc
    np.testing.assert_allclose(before, after, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(decoded, decoded2)
    return history


if __name__ == "__main__":
    main()
