namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// What this process's CPU can do natively, where it matters for how a network should compute. .NET's intrinsics
/// classes do not cover bfloat16 arithmetic and TorchSharp does not expose libtorch's CPU capability query, so on Linux
/// the kernel's CPU flags are read; elsewhere the answer is unknown and taken as yes (the user's choice stands).
/// </summary>
internal static class CpuFeatures
{
    private static readonly Lazy<bool> NativeBFloat16 = new(() => HasBFloat16Flag(ReadCpuInfo()));

    /// <summary>
    /// True when the CPU has bfloat16 instructions (x86: avx512_bf16 or amx_bf16; Arm: bf16), or when that cannot be
    /// told. Without them oneDNN emulates bfloat16 convolutions, which ran over ten times slower than float32 on an
    /// AVX2-only machine (BENCHMARKS.md).
    /// </summary>
    public static bool HasNativeBFloat16 => NativeBFloat16.Value;

    /// <summary>Reads the flags out of a /proc/cpuinfo text; null (unknown) counts as yes.</summary>
    internal static bool HasBFloat16Flag(string? cpuInfo)
    {
        if (cpuInfo is null)
            return true;
        foreach (string line in cpuInfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0)
                continue;
            string key = line[..colon].Trim();
            if (key is not ("flags" or "Features"))
                continue;
            string[] flags = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16") || flags.Contains("bf16");
        }

        return true;
    }

    private static string? ReadCpuInfo()
    {
        try
        {
            return OperatingSystem.IsLinux() ? File.ReadAllText("/proc/cpuinfo") : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
