"""Parity rows for ember/_ops/conv.py (convolutions, transposed convolutions, pad, fold/unfold)."""

from tests.parity.harness import Arg, Case

_C = ("Convolution",)
_T = ("ConvolutionTranspose",)

CASES = [
    # conv2d
    Case(_C, lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), [Arg((2, 3, 6, 7)), Arg((4, 3, 3, 3)), Arg((4,))],
         name="conv-conv2d-basic"),
    Case(_C, lambda m, x, w: m.nn.functional.conv2d(x, w, stride=2, padding=1), [Arg((2, 2, 7, 6)),
         Arg((3, 2, 3, 2))], name="conv-conv2d-stride-pad-nobias"),
    Case(_C, lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, stride=(1, 2), padding=(2, 1), dilation=(2, 1)),
         [Arg((1, 2, 7, 7)), Arg((2, 2, 2, 3)), Arg((2,))], name="conv-conv2d-dilation"),
    Case(_C, lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, groups=2, padding=1),
         [Arg((2, 4, 5, 5)), Arg((6, 2, 3, 3)), Arg((6,))], name="conv-conv2d-groups"),
    Case(_C, lambda m, x, w: m.nn.functional.conv2d(x, w, padding="same", dilation=2),
         [Arg((1, 2, 5, 6)), Arg((2, 2, 2, 3))], name="conv-conv2d-same-asym"),
    Case(_C, lambda m, x, w: m.nn.functional.conv2d(x, w, padding="valid"),
         [Arg((3, 5, 5)), Arg((2, 3, 3, 3))], name="conv-conv2d-unbatched"),
    Case(_C, lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), [Arg((2, 3, 4, 4)), Arg((5, 3, 1, 1)), Arg((5,))],
         name="conv-conv2d-1x1"),
    # conv1d / conv3d
    Case(_C, lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, stride=2, padding=1),
         [Arg((2, 3, 9)), Arg((4, 3, 3)), Arg((4,))], name="conv-conv1d"),
    Case(_C, lambda m, x, w: m.nn.functional.conv1d(x, w, groups=3, dilation=2, padding="same"),
         [Arg((1, 3, 8)), Arg((6, 1, 3))], name="conv-conv1d-groups-same"),
    Case(_C, lambda m, x, w, b: m.nn.functional.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1)),
         [Arg((1, 2, 4, 5, 3)), Arg((3, 2, 2, 3, 2)), Arg((3,))], name="conv-conv3d"),
    # transposed
    Case(_T, lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, stride=2),
         [Arg((2, 3, 3, 4)), Arg((3, 2, 3, 3)), Arg((2,))], name="conv-convT2d-stride"),
    Case(_T, lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, stride=(2, 3), padding=(1, 2),
                                                              output_padding=(1, 2)),
         [Arg((1, 2, 3, 3)), Arg((2, 3, 3, 3))], name="conv-convT2d-outpad"),
    Case(_T, lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, groups=2, dilation=2, padding=1),
         [Arg((1, 4, 3, 3)), Arg((4, 1, 2, 3)), Arg((2,))], name="conv-convT2d-groups-dilation"),
    Case(_T, lambda m, x, w, b: m.nn.functional.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2),
         [Arg((2, 2, 4)), Arg((2, 3, 3)), Arg((3,))], name="conv-convT1d"),
    # pad
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (1, 2, 0, 3), value=1.5), [Arg((2, 3, 4))],
         name="conv-pad-constant"),
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (-1, 2, 1, -2)), [Arg((2, 4, 5))], name="conv-pad-negative"),
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (2, 1, 1, 2), mode="reflect"), [Arg((1, 2, 4, 3))],
         name="conv-pad-reflect2d"),
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (2, 3), mode="reflect"), [Arg((2, 5))],
         name="conv-pad-reflect1d"),
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (3, 1, 2, 2), mode="replicate"), [Arg((1, 2, 3, 3))],
         name="conv-pad-replicate"),
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (1, 2, 2, 1), mode="circular"), [Arg((1, 2, 3, 4))],
         name="conv-pad-circular"),
    Case(("Pad",), lambda m, x: m.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), mode="replicate"),
         [Arg((1, 2, 2, 3, 2))], name="conv-pad-replicate3d"),
    # nn.grad: a convolution's input and weight gradients from an output gradient
    Case(_T, lambda m, w, g: m.nn.grad.conv2d_input((2, 4, 7, 6), w, g, stride=2, padding=1, dilation=(1, 2),
                                                    groups=2),
         [Arg((6, 2, 3, 2)), Arg((2, 6, 4, 3))], name="nn.grad-conv2d_input"),
    Case(("Convolution", "Pad"), lambda m, x, g: m.nn.grad.conv1d_weight(x, (6, 2, 3), g, stride=2, padding=1,
                                                                         groups=2),
         [Arg((2, 4, 7)), Arg((2, 6, 4))], name="nn.grad-conv1d_weight"),
    # fold / unfold
    Case(("Im2Col",), lambda m, x: m.nn.functional.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
         [Arg((2, 2, 5, 6))], name="conv-unfold"),
    Case(("Im2Col",), lambda m, x: m.nn.functional.unfold(x, 2), [Arg((2, 4, 3))], name="conv-unfold-unbatched"),
    Case(("Col2Im",), lambda m, x: m.nn.functional.fold(x, (4, 5), 2), [Arg((2, 8, 12))], name="conv-fold"),
    Case(("Col2Im",), lambda m, x: m.nn.functional.fold(x, (5, 5), (2, 3), dilation=(2, 1), padding=1, stride=2),
         [Arg((1, 12, 9))], name="conv-fold-strided"),
]
