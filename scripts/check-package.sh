#!/usr/bin/env bash
# Packs the library and proves that a brand-new application outside the repo, referencing only the package and the CPU
# backend, builds, runs a TorchSharp training step (so the package's buildTransitive loader fix worked) and publishes.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
# A unique version per run: the NuGet cache can never serve a stale copy of an earlier pack.
version="0.1.0-ci.$(date +%s)"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.architecturesearch/$version"
trap 'rm -rf "$work" "$cache"' EXIT
dotnet pack "$repo/src/Microsoft.ML.ArchitectureSearch/Microsoft.ML.ArchitectureSearch.csproj" -c Release \
  -p:Version="$version" -o "$work/feed" --nologo -v q
unzip -l "$work/feed/Microsoft.ML.ArchitectureSearch.$version.nupkg" | grep -q "buildTransitive/Microsoft.ML.ArchitectureSearch.targets" \
  || { echo "package lacks buildTransitive targets" >&2; exit 1; }

mkdir "$work/app"
cd "$work/app"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > app.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.ML.ArchitectureSearch" Version="$version" />
    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
  </ItemGroup>
</Project>
XML
cat > Program.cs <<'CS'
using TorchSharp;
using static TorchSharp.torch;
var device = Microsoft.ML.ArchitectureSearch.Torch.TorchDevices.Resolve();
using var conv = nn.Conv2d(3, 4, 3);
conv.to(device);
using var sgd = optim.SGD(conv.parameters(), 0.1);
using var x = randn(2, 3, 8, 8, device: device);
using var loss = conv.forward(x).square().mean();
loss.backward();
sgd.step();
Console.WriteLine($"package consumer ok: device={device.type} loss={loss.item<float>():0.000}");
CS
dotnet build -c Release --nologo -v q 2>&1 | tail -n 3
dotnet run -c Release --no-build | tee run.txt
grep -q "package consumer ok" run.txt
dotnet publish -c Release -o "$work/published" --nologo -v q 2>&1 | tail -n 3
"$work/published/app" | grep "package consumer ok"
echo "check-package: OK ($version)"
