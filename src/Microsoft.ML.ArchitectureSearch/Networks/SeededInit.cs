using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks;

/// <summary>
/// Initialisation drawn from a given generator only, so a network's initial weights depend on its seed and not on
/// whatever else (other threads, earlier code) drew from torch's global generator. Shared by every network.
/// </summary>
internal static class SeededInit
{
    /// <summary>
    /// Fills <paramref name="parameter"/> uniformly in [<paramref name="low"/>, <paramref name="high"/>) from
    /// <paramref name="generator"/>. Drawn with torch.rand because TorchSharp 0.107's nn.init.uniform_ ignores its
    /// generator argument and draws from the global one (seen in testing); torch.rand honours it.
    /// </summary>
    public static void Uniform(Tensor parameter, double low, double high, Generator generator)
    {
        using var noGrad = no_grad();
        using var draw = rand(parameter.shape, dtype: parameter.dtype, device: generator.device, generator: generator);
        parameter.copy_(draw.mul_(high - low).add_(low));
    }
}
