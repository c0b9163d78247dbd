using Lowbit.Kernels.Arithmetic;

namespace Lowbit.Quantization.Arithmetic;

/// <summary>The outcome of a finished window: the radix point before and after, and the mean overflow rates.</summary>
/// <param name="Before">Integer bits during the window.</param>
/// <param name="After">Integer bits from the next step on.</param>
/// <param name="OverflowRate">Mean per-step overflow rate at <paramref name="Before"/>.</param>
/// <param name="OverflowRateBelow">Mean per-step overflow rate at <paramref name="Before"/> − 1.</param>
public readonly record struct RadixUpdate(int Before, int After, double OverflowRate, double OverflowRateBelow);

/// <summary>What a checkpoint keeps of a tracker (between steps).</summary>
/// <param name="IntegerBits">Current integer bits.</param>
/// <param name="Steps">Steps observed in the current window.</param>
/// <param name="SumRate">Sum of their overflow rates at the current integer bits.</param>
/// <param name="SumRateBelow">Sum of their overflow rates at one integer bit fewer.</param>
public sealed record RadixTrackerState(int IntegerBits, int Steps, double SumRate, double SumRateBelow);

/// <summary>
/// The radix point of one group of a dynamic fixed-point format and its overflow statistics over the current window
/// (<see cref="DynamicRangeOptions"/>, <see cref="DynamicRangeRule"/>).
/// </summary>
/// <remarks>
/// Within a step, every tensor the group rounds adds its overflow counts; <see cref="EndStep"/> turns them into the
/// step's rates (counts ÷ elements) and, after <see cref="DynamicRangeOptions.Window"/> observed steps, applies the
/// rule to the mean rates. A step in which the group rounded nothing does not count towards the window.
/// </remarks>
public sealed class RadixTracker
{
    private long _stepAt, _stepBelow, _stepElements;
    private int _steps;
    private double _sumRate, _sumRateBelow;

    /// <summary>Creates a tracker at <paramref name="integerBits"/>.</summary>
    public RadixTracker(int integerBits, DynamicRangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        FixedPointRounding.Validate(2, integerBits);
        IntegerBits = integerBits;
        Options = options;
    }

    /// <summary>Update settings.</summary>
    public DynamicRangeOptions Options { get; }

    /// <summary>Current integer bits.</summary>
    public int IntegerBits { get; private set; }

    /// <summary>Adds the counts of one rounded tensor of <paramref name="elements"/> values to the current step.</summary>
    public void Observe(OverflowCounts counts, long elements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        _stepAt += counts.AtRange;
        _stepBelow += counts.AtRangeMinusOne;
        _stepElements += elements;
    }

    /// <summary>Closes a training step; returns the window's outcome when this step completed a window, else null.</summary>
    public RadixUpdate? EndStep()
    {
        if (_stepElements == 0) return null;
        _sumRate += (double)_stepAt / _stepElements;
        _sumRateBelow += (double)_stepBelow / _stepElements;
        _stepAt = _stepBelow = _stepElements = 0;
        if (++_steps < Options.Window) return null;
        double rate = _sumRate / _steps, rateBelow = _sumRateBelow / _steps;
        int before = IntegerBits;
        IntegerBits = DynamicRangeRule.Next(before, rate, rateBelow, Options.MaxOverflowRate);
        _steps = 0;
        _sumRate = _sumRateBelow = 0;
        return new RadixUpdate(before, IntegerBits, rate, rateBelow);
    }

    /// <summary>The state between steps, for checkpoints.</summary>
    /// <exception cref="InvalidOperationException">Called in the middle of a step.</exception>
    public RadixTrackerState Save()
    {
        if (_stepElements != 0) throw new InvalidOperationException("RadixTracker state is saved between steps; this step has not ended (call EndStep first).");
        return new RadixTrackerState(IntegerBits, _steps, _sumRate, _sumRateBelow);
    }

    /// <summary>Restores a state from <see cref="Save"/>.</summary>
    public void Load(RadixTrackerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        FixedPointRounding.Validate(2, state.IntegerBits);
        if (state.Steps < 0 || state.Steps >= Options.Window)
            throw new ArgumentOutOfRangeException(nameof(state), state.Steps, $"a saved window position must be in [0, {Options.Window - 1}].");
        IntegerBits = state.IntegerBits;
        _steps = state.Steps;
        _sumRate = state.SumRate;
        _sumRateBelow = state.SumRateBelow;
        _stepAt = _stepBelow = _stepElements = 0;
    }

    /// <summary>Moves the radix point outside the window logic (range initialisation hands its result over).</summary>
    public void Reset(int integerBits)
    {
        FixedPointRounding.Validate(2, integerBits);
        IntegerBits = integerBits;
        _steps = 0;
        _sumRate = _sumRateBelow = 0;
        _stepAt = _stepBelow = _stepElements = 0;
    }
}
