namespace Lowbit.Hardware;

/// <summary>Which arithmetic a layer's MACs use in the energy, area and latency models.</summary>
public enum Datapath
{
    /// <summary>The layer has no MACs.</summary>
    None,

    /// <summary>float32 multiply + add per MAC (a float operand meets a float or multi-bit operand).</summary>
    Float,

    /// <summary>±1 weight planes times float activations: each active weight-plane bit costs one float add (sign flip, no multiply; BinaryConnect).</summary>
    SignFlip,

    /// <summary>
    /// ±1 weight planes times quantized activation planes: one XNOR-popcount step per bit operation (docs/COST-MODEL.md
    /// section 5).
    /// </summary>
    Binary,

    /// <summary>Multi-bit integer weights times quantized activations: an integer multiplier and accumulator per MAC.</summary>
    Integer,
}
