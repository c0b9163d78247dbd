# Independent oracle for BatchLoaderTests.GetEpochOrder_PinnedValues_StableAcrossRuntimeVersions:
# SplitMix64 + Lemire bounded integers + Fisher-Yates, written from the spec in src/Lowbit.Data/SplitMix64.cs.
# Run: python3 epoch_order_oracle.py
M=(1<<64)-1
def mix(z):
    z=((z^(z>>30))*0xBF58476D1CE4E5B9)&M
    z=((z^(z>>27))*0x94D049BB133111EB)&M
    return z^(z>>31)
def epoch_seed(seed,epoch):
    return mix(mix((seed&0xffffffff)^0x243F6A8885A308D3)^(epoch&0xffffffff))
class G:
    def __init__(s,x): s.s=x
    def next(s):
        s.s=(s.s+0x9E3779B97F4A7C15)&M; return mix(s.s)
    def below(s,n):
        p=(s.next()>>32)*n; lo=p&0xffffffff
        if lo<n:
            t=((1<<32)-n)%n
            while lo<t:
                p=(s.next()>>32)*n; lo=p&0xffffffff
        return p>>32
def perm(n,seed):
    o=list(range(n)); g=G(seed)
    for i in range(n-1,0,-1):
        j=g.below(i+1); o[i],o[j]=o[j],o[i]
    return o
print(perm(10,epoch_seed(42,0)))
print(perm(10,epoch_seed(7,-1)))

# ImageAugmenterTests.Draw_PinnedValues_MatchIndependentOracle: per-image crop/flip draws
# (crop row, crop column in 0..2*padding, flip bit = top bit of the third output).
def image_seed(seed,epoch,index):
    return mix(mix(mix((seed&0xffffffff)^0x13198A2E03707344)^(epoch&0xffffffff))^(index&0xffffffff))
def draw(padding,seed,epoch,index):
    g=G(image_seed(seed,epoch,index)); span=2*padding+1
    return (g.below(span),g.below(span),g.next()>>63)
print([draw(4,42,0,i) for i in range(6)])
print([draw(4,42,3,i) for i in range(6)])
