namespace Lowbit.Testing.Fuzzing;

/// <summary>Values that break parsers: boundaries of every integer width, signs, and the special floats.</summary>
public static class Interesting
{
    /// <summary>Integers at and around the limits of 8, 16, 32 and 64 bits.</summary>
    public static readonly long[] Integers =
    [
        0, 1, -1, 2, 3, 4, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 1000, 1023, 1024, 4096,
        0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFE, int.MaxValue, 0x80000000L, int.MinValue, 0xFFFFFFFFL, 0x100000000L, long.MaxValue, long.MinValue,
    ];

    /// <summary>Special and extreme float values.</summary>
    public static readonly double[] Floats =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1.0, -1.0, 0.5, 1e-45, 1e-30, 1e30, 3.4e38, -3.4e38, 1e300, -1e300,
    ];

    /// <summary>An integer near <paramref name="current"/>, a boundary value, or random bits.</summary>
    public static long Integer(Random random, long current)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(5) switch
        {
            0 => current + random.Next(-2, 3),
            1 => current * 2 + random.Next(2),
            2 => random.NextInt64(long.MinValue, long.MaxValue),
            _ => Integers[random.Next(Integers.Length)],
        };
    }

    /// <summary>A special float, a scaled or negated <paramref name="current"/>, or a random value.</summary>
    public static double Float(Random random, double current)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(4) switch
        {
            0 => -current,
            1 => current * Math.Pow(10, random.Next(-40, 41)),
            2 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6)),
            _ => Floats[random.Next(Floats.Length)],
        };
    }

    /// <summary>Bytes that stress name and text decoders: invalid UTF-8, control characters, quotes, very long runs.</summary>
    public static byte[] Text(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(6) switch
        {
            0 => [],
            1 => [0xFF, 0xFE, 0xC3],
            2 => "a\u0000b\u0007\n\r"u8.ToArray(),
            3 => System.Text.Encoding.UTF8.GetBytes(new string('x', random.Next(1, 70000))),
            4 => "\"},{\\"u8.ToArray(),
            _ => RandomBytes(random, random.Next(1, 40)),
        };
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
