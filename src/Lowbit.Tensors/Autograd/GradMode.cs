namespace Lowbit.Tensors.Autograd;

/// <summary>
/// Whether ops record an autograd graph on the current thread (on by default).
/// </summary>
/// <remarks>
/// This is thread-local ambient state, like PyTorch's <c>no_grad</c>: evaluation code wraps a forward pass in
/// <c>using (GradMode.Disable())</c>. It is scoped and restored on dispose, so no setting leaks between runs.
/// </remarks>
public static class GradMode
{
    [ThreadStatic] private static bool t_disabled;

    /// <summary>True when ops record the graph.</summary>
    public static bool IsEnabled => !t_disabled;

    /// <summary>Turns recording off until the returned scope is disposed.</summary>
    public static IDisposable Disable()
    {
        bool previous = t_disabled;
        t_disabled = true;
        return new Restore(previous);
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => t_disabled = previous;
    }
}
