using System.Runtime.CompilerServices;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// The decision of the code kinds (4, 6) from an estimate: with lo/hi = z_e ∓ slack (z_e = ±y_e by the unit's
/// direction) and thresholds sorted, the code is #{l : τ_l ≤ lo}, and the unit is undecided iff some τ_l lies in
/// (lo, hi] (the first threshold above lo is then within reach). Branch-free over the thresholds: the codes are
/// data-dependent and mispredicted branches dominated this loop.
/// </summary>
internal static class LevelDecision
{
    /// <summary>The code for estimate <paramref name="y"/> ± <paramref name="slack"/>; sets <paramref name="undecided"/> when a threshold is within reach (also for a NaN estimate).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Code(double y, double slack, bool negated, ReadOnlySpan<float> thresholds, out bool undecided)
    {
        double z = negated ? -y : y;
        double lo = z - slack, hi = z + slack;
        int code = 0, near = 0;
        for (int l = 0; l < thresholds.Length; l++)
        {
            double t = thresholds[l];
            code += lo >= t ? 1 : 0;
            near |= !(lo >= t) & !(hi < t) ? 1 : 0; // written so that a NaN estimate or bound is undecided (replayed)
        }
        undecided = near != 0;
        return code;
    }
}
