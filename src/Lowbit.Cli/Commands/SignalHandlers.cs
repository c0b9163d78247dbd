using System.Runtime.InteropServices;

namespace Lowbit.Cli.Commands;

/// <summary>Process signals a training treats as a request to stop after saving its checkpoint.</summary>
internal static class SignalHandlers
{
    /// <summary>
    /// Cancels <paramref name="cts"/> on SIGTERM instead of letting the runtime end the process, so the trainer saves a
    /// checkpoint where it is and exits as after Ctrl-C; null where the platform has no such signal.
    /// </summary>
    public static IDisposable? OnTerminate(CancellationTokenSource cts)
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
