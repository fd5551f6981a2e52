"""Recurrent layers: the generic RNN over a cell, SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D, their cells.

A cell computes one time step, `cell(x_t, states) -> (output_t, new_states)`; `RNN(cell)`
runs it over the time axis (axis 1). Keras' semantics, step by step:
- states start at zeros (or `initial_state=[...]`); `go_backwards` processes the sequence
  from its end and returns the outputs in that (reversed) order;
- a mask (from Embedding(mask_zero=True) or Masking) marks steps to skip: a masked step
  keeps the previous states and repeats the previous output (zeros with
  `zero_output_for_mask=True`, which Bidirectional sets when returning sequences);
- `return_sequences` gives every step's output, else the last; `return_state` adds the
  final states: `output, *states`.

Built-in cells split a step into `_project` (the input part, which does not depend on the
state, so the RNN computes it for all steps with one matmul or convolution) and `_step`
(the recurrent part). SimpleRNN, LSTM and GRU with their usual activations then run the
whole recurrence as one fused op (`kgen.engine.ops.recurrent`) with backprop through time;
any other cell is called step by step, as engine ops, so gradients flow through time too.

One module per family, as in Keras (`keras/src/layers/rnn/`): `base` (RNN, the cell base,
StackedRNNCells), `simple_rnn`, `lstm`, `gru`, `conv_lstm`.
"""

from kgen.layers.recurrent.base import RNN, StackedRNNCells
from kgen.layers.recurrent.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell
from kgen.layers.recurrent.gru import GRU, GRUCell
from kgen.layers.recurrent.lstm import LSTM, LSTMCell
from kgen.layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell
