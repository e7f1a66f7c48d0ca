namespace Sdpo.Engine.Lora;

/// <summary>The two files of an adapter in PEFT layout, in memory: what a service zips or streams to a user.</summary>
public sealed record PeftAdapterFiles(byte[] AdapterConfigJson, byte[] AdapterModelSafetensors);
