namespace Lowbit.Cli;

/// <summary>Process exit codes of <c>lowbit</c> (documented in README.md).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>User error: bad option, missing or malformed file, invalid config; one line on stderr.</summary>
    public const int UserError = 1;

    /// <summary>Unexpected internal error; the stack trace is printed.</summary>
    public const int InternalError = 2;

    /// <summary>Training stopped because the loss became NaN or infinite.</summary>
    public const int Diverged = 3;

    /// <summary>Data-parallel training stopped: another process died, failed or stopped answering (see docs/DISTRIBUTED.md).</summary>
    public const int DistributedFailure = 4;

    /// <summary>Interrupted by Ctrl-C after saving a checkpoint.</summary>
    public const int Interrupted = 130;
}
