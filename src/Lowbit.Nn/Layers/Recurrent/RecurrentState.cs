using Lowbit.Tensors;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// The state a recurrent layer carries between time steps: hidden state h [layers, batch, hidden] and, for an LSTM,
/// cell state c of the same shape (null for a GRU).
/// </summary>
/// <param name="Hidden">h per stacked layer, [layers, batch, hidden].</param>
/// <param name="Cell">c per stacked layer, [layers, batch, hidden], or null (GRU).</param>
public sealed record RecurrentState(Tensor Hidden, Tensor? Cell)
{
    /// <summary>Parallel streams (batch size) the state belongs to.</summary>
    public int Batch => Hidden.Dim(1);

    /// <summary>A copy without autograd history (the carried state at a truncation boundary: no gradient crosses it).</summary>
    public RecurrentState DetachedCopy() => new(Hidden.Clone(), Cell?.Clone());

    /// <summary>Zero state for <paramref name="layers"/> layers of <paramref name="hidden"/> units and <paramref name="batch"/> streams.</summary>
    public static RecurrentState Zeros(DType type, int layers, int batch, int hidden, bool withCell) =>
        new(Tensor.Zeros(type, layers, batch, hidden), withCell ? Tensor.Zeros(type, layers, batch, hidden) : null);
}
