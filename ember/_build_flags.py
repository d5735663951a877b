"""``ember.has_mkl``, ``ember.has_lapack``, ...: what the build offers, as PyTorch's ``torch.has_*`` flags, for
ember on NumPy (loaded on first use by ``ember.__getattr__``)."""

has_spectral = True  # FFTs (NumPy's pocketfft): ember.fft, stft
has_lapack = True  # linear algebra (NumPy's LAPACK): ember.linalg
has_mkl = False  # no Intel MKL kernels of ember's own
has_openmp = False  # NumPy's own threading only
has_mkldnn = False  # no oneDNN
