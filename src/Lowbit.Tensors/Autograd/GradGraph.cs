namespace Lowbit.Tensors.Autograd;

/// <summary>Records ops and runs reverse-mode differentiation.</summary>
public static class GradGraph
{
    /// <summary>
    /// Attaches a backward rule to <paramref name="result"/> when recording is on and any input tracks gradients.
    /// This is also the extension point for custom ops (quantizers with surrogate gradients).
    /// </summary>
    /// <param name="result">The op's output (fresh tensor, not yet recorded).</param>
    /// <param name="opName">Name for error messages.</param>
    /// <param name="inputs">The op's inputs.</param>
    /// <param name="backward">Given dL/d(result), returns dL/d(input_i) with input_i's shape and type, or null.</param>
    public static Tensor Record(Tensor result, string opName, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(inputs);
        OpProfiler.Current?.RecordForward(opName);
        if (!GradMode.IsEnabled) return result;
        foreach (var t in inputs)
        {
            if (t.TracksGrad)
            {
                result.Node = new GradNode(opName, inputs, backward);
                return result;
            }
        }
        return result;
    }

    /// <summary>Back-propagates from <paramref name="root"/>, accumulating into <see cref="Tensor.Grad"/> of leaves.</summary>
    /// <remarks>A leaf is visited once, after every op that uses it, so its gradient is final when <paramref name="leafReady"/> sees it.</remarks>
    internal static void Backward(Tensor root, Tensor seed, Action<Tensor>? leafReady = null)
    {
        var order = TopologicalOrder(root);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [root] = seed };
        using var _ = GradMode.Disable();
        var profiler = OpProfiler.Current;
        if (profiler is not null) profiler.BackwardDepth++;
        try
        {
            BackwardInOrder(order, grads, profiler, leafReady);
        }
        finally
        {
            if (profiler is not null) profiler.BackwardDepth--;
        }
    }

    private static void BackwardInOrder(List<Tensor> order, Dictionary<Tensor, Tensor> grads, OpProfiler? profiler, Action<Tensor>? leafReady)
    {
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            if (!grads.Remove(t, out var g)) continue;
            long mark = profiler?.Now() ?? 0;
            if (t.RequiresGrad)
            {
                Accumulate(t, g);
                if (t.Node is null) leafReady?.Invoke(t);
            }
            var node = t.Node;
            if (node is not null)
            {
                mark = profiler?.RecordBackward(OpProfiler.AccumulateName, mark) ?? 0;
                var inputGrads = node.Backward(g);
                mark = profiler?.RecordBackward(node.OpName, mark) ?? 0;
                AddInputGradients(node, inputGrads, grads);
            }
            profiler?.RecordBackward(OpProfiler.AccumulateName, mark);
        }
    }

    private static void AddInputGradients(GradNode node, Tensor?[] inputGrads, Dictionary<Tensor, Tensor> grads)
    {
        if (inputGrads.Length != node.Inputs.Length)
            throw new InvalidOperationException($"Backward of '{node.OpName}' returned {inputGrads.Length} gradients for {node.Inputs.Length} inputs.");
        for (int j = 0; j < inputGrads.Length; j++)
        {
            var input = node.Inputs[j];
            var gi = inputGrads[j];
            if (gi is null || !input.TracksGrad) continue;
            if (!gi.ShapeSpan.SequenceEqual(input.ShapeSpan) || gi.DType != input.DType)
                throw new InvalidOperationException($"Backward of '{node.OpName}' produced gradient {gi} for input {j} of {input}.");
            grads[input] = grads.TryGetValue(input, out var existing) ? Tensor.AddRaw(existing, gi) : gi;
        }
    }

    private static void Accumulate(Tensor leaf, Tensor g)
    {
        if (leaf.Grad is null) leaf.Grad = g.SameStorage(leaf) ? g.Clone() : g.Detach();
        else leaf.Grad = Tensor.AddRaw(leaf.Grad, g);
    }

    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor T, int Next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.Node?.Inputs;
            if (inputs is not null && next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child.TracksGrad && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                order.Add(t);
            }
        }
        return order; // children before parents
    }
}
