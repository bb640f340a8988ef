#!/usr/bin/env python3
# Builds tests/speed/measurements.tsv and excluded.tsv from the published
# llama-bench rows collected in measurements.jsonl (the team's shared
# collection; every row names its public source).  Run once by hand:
#   python3 tests/speed/import.py /path/to/measurements.jsonl
# The project keeps only the TSVs; this script documents the mapping.
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))

# llama-bench's model -> the bundled config with the same text architecture.
MODELS = {
    'meta-llama-3-8b': 'meta-llama-3-8b-instruct',
    'llama-2-7b-hf': 'llama-2-7b-hf',
    'meta-llama-3-70b': 'meta-llama-3-70b-instruct',
    'openai/gpt-oss-20b': 'gpt-oss-20b',
    'openai/gpt-oss-120b': 'gpt-oss-120b',
    # Qwen3-Coder-30B-A3B has Qwen3-30B-A3B's shapes (48 layers, 128
    # experts, 8 routed, hidden 2048, vocab 151936).
    'qwen3-coder-30b-a3b-instruct': 'qwen3-30b-a3b',
    'qwen3-30b-a3b': 'qwen3-30b-a3b',
    'qwen2.5-coder-7b': 'qwen2.5-coder-7b-instruct',
    'gemma-3-4b-it': 'gemma-3-4b-it',
    'llama-3.1-8b': 'meta-llama-3.1-8b',
    'mistral-small-3.1-24b-instruct-2503': 'mistral-small-24b-instruct-2501',
    'llama-3.2-3b-instruct': 'llama-3.2-3b-instruct',
    'llama-4-scout-17b-16e-instruct': 'llama-4-scout-17b-16e-instruct',
    'qwen3-32b': 'qwen3-32b',
    'gemma-3-27b-it': 'gemma-3-27b-it',
    'llama-3.3-70b': 'llama-3.1-70b-instruct',
    'mistral-7b-v0.1': 'mistral-7b-v0.1',
    'mistral-7b-instruct-v0.2': 'mistral-7b-v0.1',
    'mistral-7b-instruct-v0.3': 'mistral-7b-instruct-v0.3',
    'llama-2-13b': 'llama-2-13b-hf',
    'qwen2.5-14b-instruct': 'qwen2.5-14b-instruct',
    'deepseek-r1': 'deepseek-r1',
    'qwen3-235b-a22b-instruct-2507': 'qwen3-235b-a22b',
    # CodeLlama 7B: Llama 2 7B's shapes with 16 more vocabulary rows.
    'codellama-7b': 'llama-2-7b-hf',
}
QUANTS = {'Q4_K_M': 'q4_k_m', 'F16': 'f16', 'Q8_0': 'q8_0', 'Q4_0': 'q4_0',
          'MXFP4': 'mxfp4', 'Q4_1': 'q4_1', 'Q5_0': 'q5_0', 'Q6_K': 'q6_k',
          'Q3_K_S': 'q3_k_s', 'Q2_K': 'q2_k', 'Q4_K_S': 'q4_k_s'}
BACKENDS = {'CUDA': 'cuda', 'Metal': 'metal', 'ROCm': 'rocm',
            'Vulkan': 'vulkan', 'CPU': 'cpu', 'SYCL': 'sycl'}


# Single runs that contradict the rest of their own source (ids).
ANOMALOUS = {
    1163: 'A100 SXM F16 pp 604 t/s: 13x below the A100 PCIe F16 run '
          '(7741 t/s) of the same source and build; an anomalous run',
    1164: 'same anomalous A100 SXM F16 run as row 1163',
    1165: 'same anomalous A100 SXM F16 run as row 1163',
    1166: 'same anomalous A100 SXM F16 run as row 1163',
    1620: 'the compilation itself flags this value as far below what the '
          'other rows suggest for the card, cause not stated',
}


def reason(r, devices):
    if not r['valid']:
        return 'the source marks the run as failed'
    if r['id'] in ANOMALOUS:
        return ANOMALOUS[r['id']]
    m = re.search(r'\((\d+)\)', r['llama_cpp_build'] or '')
    if r['test_kind'] == 'tg' and m and int(m.group(1)) < 3000:
        return ('decode on build %s, before llama.cpp ran a token as one '
                'CUDA graph (about b3000, 2024-06): each kernel then paid a '
                'launch the current builds memplan estimates do not; see '
                'README.md for the figures with these rows kept' % m.group(1))
    if 'nkvo=1' in (r['notes'] or ''):
        return 'KV cache kept in host RAM (-nkvo 1): not a configuration memplan models'
    if r['host']:
        h = r['host']
        if 'Raspberry' in h or 'RISC-V' in h:
            return 'GPU on a single-board host (%s): host-limited' % h
    if r['test_kind'] == 'pp+tg':
        return 'combined pp+tg test: not one of the tests estimated'
    if r['model_family_config'] not in MODELS:
        return 'no bundled config for %s' % r['model_family_config']
    q = r['quant']
    if q not in QUANTS:
        return 'quant %s is a file-specific mix memplan does not model' % q
    if r['backend'] not in BACKENDS:
        return 'backend %s' % r['backend']
    d = devices.get(r['device_canonical'])
    if 'not stated' in r['device_canonical'] and d is None:
        return 'SKU or GPU core count not stated: bandwidth/compute ambiguous'
    if d is None:
        return 'device %s has no bandwidth figure' % r['device_canonical']
    if 'ipex' in (r['source'] or '') or "Intel's" in (r['notes'] or ''):
        return "Intel's ipex-llm fork, not llama.cpp"
    ngl = r['ngl']
    if isinstance(ngl, int) and 0 < ngl < 99 and r['backend'] != 'CPU':
        return 'partial offload -ngl %d with no host bandwidth stated' % ngl
    if r['tool'] != 'llama-bench' and r['test_kind'] == 'pp':
        return 'batched-bench prompt row: n_batch/ubatch differ from llama-bench'
    return None


def main():
    src = sys.argv[1]
    devices = {}
    for l in open(os.path.join(HERE, 'devices.tsv')):
        if l.startswith('#') or not l.strip():
            continue
        f = l.rstrip('\n').split('\t')
        devices[f[0]] = f
    out = open(os.path.join(HERE, 'measurements.tsv'), 'w')
    exc = open(os.path.join(HERE, 'excluded.tsv'), 'w')
    out.write('# id\tdevice\tbackend\tn_devices\tmodel\tftype\ttest\t'
              'n_tokens\tdepth\tngl\tn_ubatch\tflash_attn\ttokens_per_s\t'
              'build\tsource\tthreads\n')
    exc.write('# id\tdevice\tmodel\tquant\ttest\treason\n')
    for line in open(src):
        r = json.loads(line)
        why = reason(r, devices)
        if why:
            exc.write('%d\t%s\t%s\t%s\t%s\t%s\n' % (r['id'],
                      r['device_canonical'], r['model_family_config'],
                      r['quant'], r['test'], why))
            continue
        kind = r['test_kind']
        n = r['n_prompt'] if kind == 'pp' else r['n_gen']
        ngl = r['ngl'] if isinstance(r['ngl'], int) else 99
        if r['backend'] == 'CPU':
            ngl = 0
        fa = r['flash_attn']
        fa = 'on' if fa == 1 else 'off'
        ub = r['n_ubatch'] or 512
        build = (r['llama_cpp_build'] or '').replace('\t', ' ')
        out.write('%d\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t'
                  '%s\t%s\t%s\n' % (r['id'], r['device_canonical'],
                  BACKENDS[r['backend']], r['n_devices'],
                  MODELS[r['model_family_config']], QUANTS[r['quant']],
                  kind, n, r['n_depth'] or 0, ngl, ub, fa,
                  repr(r['tokens_per_s']), build, r['source'],
                  r['threads'] if isinstance(r['threads'], int) else '-'))


main()
