using System.Collections.Concurrent;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

/// <summary>
/// Network factories by search-space name. A loaded model names its space; the factory registered for it rebuilds the
/// network. The search spaces register their factories here (integration point).
/// </summary>
internal static class NetworkFactories
{
    private static readonly ConcurrentDictionary<string, INetworkFactory> Factories = new(StringComparer.Ordinal);

    static NetworkFactories()
    {
        Register(new CnnNetworkFactory());
        Register(new RecurrentCellNetworkFactory());
    }

    /// <summary>Registers (or replaces) the factory for <see cref="INetworkFactory.SpaceName"/>.</summary>
    public static void Register(INetworkFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factories[factory.SpaceName] = factory;
    }

    public static INetworkFactory Get(string spaceName) =>
        Factories.TryGetValue(spaceName, out INetworkFactory? factory)
            ? factory
            : throw new InvalidOperationException(
                $"No network factory is registered for search space '{spaceName}' (known: {string.Join(", ", Factories.Keys.Order())}). The model was saved by a version of Microsoft.ML.ArchitectureSearch that knows this space.");
}
