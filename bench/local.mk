# Benchmarks: built by 'make bench', run by hand or scripts/bench; they print
# figures and ratios against an anchor measured in the same run.
