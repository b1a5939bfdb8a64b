using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>Chooses where networks run: CUDA when TorchSharp reports it (and the user did not ask for CPU), else CPU.</summary>
internal static class TorchDevices
{
    /// <summary>The device for <paramref name="requested"/>: "auto" (or null) picks CUDA when available, else CPU.</summary>
    public static torch.Device Resolve(string? requested = null)
    {
        string name = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        if (name == "auto")
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
            throw new InvalidOperationException(
                $"Device '{requested}' was requested but TorchSharp reports no CUDA device. Build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU, or use 'cpu'.");
        return new torch.Device(name);
    }
}
