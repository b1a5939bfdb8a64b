using Microsoft.ML.ArchitectureSearch.Execution;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Decides once per Fit whether <see cref="CnnTrainingOptions.BFloat16"/> can be honoured. bfloat16 is asked for to
/// train faster; on a CPU without bfloat16 instructions oneDNN emulates it and training becomes many times slower
/// instead, so there the options fall back to float32 and the log says so (float32 is the more exact of the two, so
/// nothing is lost but the speed-up that was not available).
/// </summary>
internal static class ComputePrecision
{
    /// <summary><paramref name="options"/>, with bfloat16 turned off (and a warning logged) where the device cannot run it natively.</summary>
    public static CnnTrainingOptions Resolve(CnnTrainingOptions options, ISearchLog log) =>
        Resolve(options, log, CpuFeatures.HasNativeBFloat16);

    internal static CnnTrainingOptions Resolve(CnnTrainingOptions options, ISearchLog log, bool cpuHasBFloat16)
    {
        if (!options.BFloat16 || cpuHasBFloat16 || TorchDevices.Resolve(options.Device).type != DeviceType.CPU)
            return options;
        log.Warning("BFloat16 was asked for, but this CPU has no bfloat16 instructions (avx512_bf16, amx_bf16 or Arm bf16): "
            + "libtorch would emulate them and train many times slower than in float32. Training in float32 instead.");
        return options with { BFloat16 = false };
    }
}
