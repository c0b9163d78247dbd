namespace Lowbit.Hardware;

/// <summary>The kind of layer a <see cref="LayerCostInput"/> describes; used for labels and validation only.</summary>
public enum LayerKind
{
    /// <summary>Fully connected layer (S = 1 output position).</summary>
    Dense,

    /// <summary>2-D convolution (S = output height × width).</summary>
    Conv2d,

    /// <summary>Batch normalization: float parameters, no MACs counted.</summary>
    BatchNorm,

    /// <summary>Pooling: no parameters or MACs counted; contributes activation memory.</summary>
    Pool,

    /// <summary>Element-wise activation / quantizer: contributes activation memory.</summary>
    Activation,

    /// <summary>Element-wise sum of branches (a residual block's shortcut addition): no parameters or MACs counted.</summary>
    Add,

    /// <summary>Anything else described by its raw counts.</summary>
    Other,
}
