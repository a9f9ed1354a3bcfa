begin_version
3
end_version
begin_metric
0
end_metric
16
begin_variable
var0
-1
12
Atom at(r3, a1)
Atom at(r3, a2)
Atom at(r3, a3)
Atom at(r3, a4)
Atom at(r3, b1)
Atom at(r3, b3)
Atom at(r3, b4)
Atom at(r3, c1)
Atom at(r3, c2)
Atom at(r3, c3)
Atom at(r3, c4)
Atom at(r3, dock)
end_variable
begin_variable
var1
-1
5
Atom battery(r3, level0)
Atom battery(r3, level1)
Atom battery(r3, level2)
Atom battery(r3, level3)
Atom battery(r3, level4)
end_variable
begin_variable
var2
-1
12
Atom at(r2, a1)
Atom at(r2, a2)
Atom at(r2, a3)
Atom at(r2, a4)
Atom at(r2, b1)
Atom at(r2, b3)
Atom at(r2, b4)
Atom at(r2, c1)
Atom at(r2, c2)
Atom at(r2, c3)
Atom at(r2, c4)
Atom at(r2, dock)
end_variable
begin_variable
var3
-1
5
Atom battery(r2, level0)
Atom battery(r2, level1)
Atom battery(r2, level2)
Atom battery(r2, level3)
Atom battery(r2, level4)
end_variable
begin_variable
var4
-1
12
Atom at(r1, a1)
Atom at(r1, a2)
Atom at(r1, a3)
Atom at(r1, a4)
Atom at(r1, b1)
Atom at(r1, b3)
Atom at(r1, b4)
Atom at(r1, c1)
Atom at(r1, c2)
Atom at(r1, c3)
Atom at(r1, c4)
Atom at(r1, dock)
end_variable
begin_variable
var5
-1
5
Atom battery(r1, level0)
Atom battery(r1, level1)
Atom battery(r1, level2)
Atom battery(r1, level3)
Atom battery(r1, level4)
end_variable
begin_variable
var6
-1
2
Atom free(r1)
NegatedAtom free(r1)
end_variable
begin_variable
var7
-1
2
Atom free(r2)
NegatedAtom free(r2)
end_variable
begin_variable
var8
-1
2
Atom free(r3)
NegatedAtom free(r3)
end_variable
begin_variable
var9
-1
15
Atom carrying(r1, box1)
Atom carrying(r2, box1)
Atom carrying(r3, box1)
Atom item-at(box1, a1)
Atom item-at(box1, a2)
Atom item-at(box1, a3)
Atom item-at(box1, a4)
Atom item-at(box1, b1)
Atom item-at(box1, b3)
Atom item-at(box1, b4)
Atom item-at(box1, c1)
Atom item-at(box1, c2)
Atom item-at(box1, c3)
Atom item-at(box1, c4)
Atom item-at(box1, dock)
end_variable
begin_variable
var10
-1
15
Atom carrying(r1, box2)
Atom carrying(r2, box2)
Atom carrying(r3, box2)
Atom item-at(box2, a1)
Atom item-at(box2, a2)
Atom item-at(box2, a3)
Atom item-at(box2, a4)
Atom item-at(box2, b1)
Atom item-at(box2, b3)
Atom item-at(box2, b4)
Atom item-at(box2, c1)
Atom item-at(box2, c2)
Atom item-at(box2, c3)
Atom item-at(box2, c4)
Atom item-at(box2, dock)
end_variable
begin_variable
var11
-1
15
Atom carrying(r1, box3)
Atom carrying(r2, box3)
Atom carrying(r3, box3)
Atom item-at(box3, a1)
Atom item-at(box3, a2)
Atom item-at(box3, a3)
Atom item-at(box3, a4)
Atom item-at(box3, b1)
Atom item-at(box3, b3)
Atom item-at(box3, b4)
Atom item-at(box3, c1)
Atom item-at(box3, c2)
Atom item-at(box3, c3)
Atom item-at(box3, c4)
Atom item-at(box3, dock)
end_variable
begin_variable
var12
-1
15
Atom carrying(r1, box4)
Atom carrying(r2, box4)
Atom carrying(r3, box4)
Atom item-at(box4, a1)
Atom item-at(box4, a2)
Atom item-at(box4, a3)
Atom item-at(box4, a4)
Atom item-at(box4, b1)
Atom item-at(box4, b3)
Atom item-at(box4, b4)
Atom item-at(box4, c1)
Atom item-at(box4, c2)
Atom item-at(box4, c3)
Atom item-at(box4, c4)
Atom item-at(box4, dock)
end_variable
begin_variable
var13
-1
15
Atom carrying(r1, crate1)
Atom carrying(r2, crate1)
Atom carrying(r3, crate1)
Atom item-at(crate1, a1)
Atom item-at(crate1, a2)
Atom item-at(crate1, a3)
Atom item-at(crate1, a4)
Atom item-at(crate1, b1)
Atom item-at(crate1, b3)
Atom item-at(crate1, b4)
Atom item-at(crate1, c1)
Atom item-at(crate1, c2)
Atom item-at(crate1, c3)
Atom item-at(crate1, c4)
Atom item-at(crate1, dock)
end_variable
begin_variable
var14
-1
15
Atom carrying(r1, crate2)
Atom carrying(r2, crate2)
Atom carrying(r3, crate2)
Atom item-at(crate2, a1)
Atom item-at(crate2, a2)
Atom item-at(crate2, a3)
Atom item-at(crate2, a4)
Atom item-at(crate2, b1)
Atom item-at(crate2, b3)
Atom item-at(crate2, b4)
Atom item-at(crate2, c1)
Atom item-at(crate2, c2)
Atom item-at(crate2, c3)
Atom item-at(crate2, c4)
Atom item-at(crate2, dock)
end_variable
begin_variable
var15
-1
15
Atom carrying(r1, crate3)
Atom carrying(r2, crate3)
Atom carrying(r3, crate3)
Atom item-at(crate3, a1)
Atom item-at(crate3, a2)
Atom item-at(crate3, a3)
Atom item-at(crate3, a4)
Atom item-at(crate3, b1)
Atom item-at(crate3, b3)
Atom item-at(crate3, b4)
Atom item-at(crate3, c1)
Atom item-at(crate3, c2)
Atom item-at(crate3, c3)
Atom item-at(crate3, c4)
Atom item-at(crate3, dock)
end_variable
3
begin_mutex_group
8
9 0
10 0
11 0
12 0
13 0
14 0
15 0
6 0
end_mutex_group
begin_mutex_group
8
9 1
10 1
11 1
12 1
13 1
14 1
15 1
7 0
end_mutex_group
begin_mutex_group
8
9 2
10 2
11 2
12 2
13 2
14 2
15 2
8 0
end_mutex_group
begin_state
10
3
11
1
0
2
0
0
0
3
13
6
10
9
4
12
end_state
begin_goal
7
9 13
10 3
11 10
12 6
13 4
14 14
15 8
end_goal
924
begin_operator
charge r1 level0
1
4 11
1
0 5 0 4
1
end_operator
begin_operator
charge r1 level1
1
4 11
1
0 5 1 4
1
end_operator
begin_operator
charge r1 level2
1
4 11
1
0 5 2 4
1
end_operator
begin_operator
charge r1 level3
1
4 11
1
0 5 3 4
1
end_operator
begin_operator
charge r2 level0
1
2 11
1
0 3 0 4
1
end_operator
begin_operator
charge r2 level1
1
2 11
1
0 3 1 4
1
end_operator
begin_operator
charge r2 level2
1
2 11
1
0 3 2 4
1
end_operator
begin_operator
charge r2 level3
1
2 11
1
0 3 3 4
1
end_operator
begin_operator
charge r3 level0
1
0 11
1
0 1 0 4
1
end_operator
begin_operator
charge r3 level1
1
0 11
1
0 1 1 4
1
end_operator
begin_operator
charge r3 level2
1
0 11
1
0 1 2 4
1
end_operator
begin_operator
charge r3 level3
1
0 11
1
0 1 3 4
1
end_operator
begin_operator
navigate r1 a1 a2 level1 level0
0
2
0 4 0 1
0 5 1 0
1
end_operator
begin_operator
navigate r1 a1 a2 level2 level1
0
2
0 4 0 1
0 5 2 1
1
end_operator
begin_operator
navigate r1 a1 a2 level3 level2
0
2
0 4 0 1
0 5 3 2
1
end_operator
begin_operator
navigate r1 a1 a2 level4 level3
0
2
0 4 0 1
0 5 4 3
1
end_operator
begin_operator
navigate r1 a1 b1 level1 level0
0
2
0 4 0 4
0 5 1 0
1
end_operator
begin_operator
navigate r1 a1 b1 level2 level1
0
2
0 4 0 4
0 5 2 1
1
end_operator
begin_operator
navigate r1 a1 b1 level3 level2
0
2
0 4 0 4
0 5 3 2
1
end_operator
begin_operator
navigate r1 a1 b1 level4 level3
0
2
0 4 0 4
0 5 4 3
1
end_operator
begin_operator
navigate r1 a2 a1 level1 level0
0
2
0 4 1 0
0 5 1 0
1
end_operator
begin_operator
navigate r1 a2 a1 level2 level1
0
2
0 4 1 0
0 5 2 1
1
end_operator
begin_operator
navigate r1 a2 a1 level3 level2
0
2
0 4 1 0
0 5 3 2
1
end_operator
begin_operator
navigate r1 a2 a1 level4 level3
0
2
0 4 1 0
0 5 4 3
1
end_operator
begin_operator
navigate r1 a2 a3 level1 level0
0
2
0 4 1 2
0 5 1 0
1
end_operator
begin_operator
navigate r1 a2 a3 level2 level1
0
2
0 4 1 2
0 5 2 1
1
end_operator
begin_operator
navigate r1 a2 a3 level3 level2
0
2
0 4 1 2
0 5 3 2
1
end_operator
begin_operator
navigate r1 a2 a3 level4 level3
0
2
0 4 1 2
0 5 4 3
1
end_operator
begin_operator
navigate r1 a2 dock level1 level0
0
2
0 4 1 11
0 5 1 0
1
end_operator
begin_operator
navigate r1 a2 dock level2 level1
0
2
0 4 1 11
0 5 2 1
1
end_operator
begin_operator
navigate r1 a2 dock level3 level2
0
2
0 4 1 11
0 5 3 2
1
end_operator
begin_operator
navigate r1 a2 dock level4 level3
0
2
0 4 1 11
0 5 4 3
1
end_operator
begin_operator
navigate r1 a3 a2 level1 level0
0
2
0 4 2 1
0 5 1 0
1
end_operator
begin_operator
navigate r1 a3 a2 level2 level1
0
2
0 4 2 1
0 5 2 1
1
end_operator
begin_operator
navigate r1 a3 a2 level3 level2
0
2
0 4 2 1
0 5 3 2
1
end_operator
begin_operator
navigate r1 a3 a2 level4 level3
0
2
0 4 2 1
0 5 4 3
1
end_operator
begin_operator
navigate r1 a3 a4 level1 level0
0
2
0 4 2 3
0 5 1 0
1
end_operator
begin_operator
navigate r1 a3 a4 level2 level1
0
2
0 4 2 3
0 5 2 1
1
end_operator
begin_operator
navigate r1 a3 a4 level3 level2
0
2
0 4 2 3
0 5 3 2
1
end_operator
begin_operator
navigate r1 a3 a4 level4 level3
0
2
0 4 2 3
0 5 4 3
1
end_operator
begin_operator
navigate r1 a3 b3 level1 level0
0
2
0 4 2 5
0 5 1 0
1
end_operator
begin_operator
navigate r1 a3 b3 level2 level1
0
2
0 4 2 5
0 5 2 1
1
end_operator
begin_operator
navigate r1 a3 b3 level3 level2
0
2
0 4 2 5
0 5 3 2
1
end_operator
begin_operator
navigate r1 a3 b3 level4 level3
0
2
0 4 2 5
0 5 4 3
1
end_operator
begin_operator
navigate r1 a4 a3 level1 level0
0
2
0 4 3 2
0 5 1 0
1
end_operator
begin_operator
navigate r1 a4 a3 level2 level1
0
2
0 4 3 2
0 5 2 1
1
end_operator
begin_operator
navigate r1 a4 a3 level3 level2
0
2
0 4 3 2
0 5 3 2
1
end_operator
begin_operator
navigate r1 a4 a3 level4 level3
0
2
0 4 3 2
0 5 4 3
1
end_operator
begin_operator
navigate r1 a4 b4 level1 level0
0
2
0 4 3 6
0 5 1 0
1
end_operator
begin_operator
navigate r1 a4 b4 level2 level1
0
2
0 4 3 6
0 5 2 1
1
end_operator
begin_operator
navigate r1 a4 b4 level3 level2
0
2
0 4 3 6
0 5 3 2
1
end_operator
begin_operator
navigate r1 a4 b4 level4 level3
0
2
0 4 3 6
0 5 4 3
1
end_operator
begin_operator
navigate r1 b1 a1 level1 level0
0
2
0 4 4 0
0 5 1 0
1
end_operator
begin_operator
navigate r1 b1 a1 level2 level1
0
2
0 4 4 0
0 5 2 1
1
end_operator
begin_operator
navigate r1 b1 a1 level3 level2
0
2
0 4 4 0
0 5 3 2
1
end_operator
begin_operator
navigate r1 b1 a1 level4 level3
0
2
0 4 4 0
0 5 4 3
1
end_operator
begin_operator
navigate r1 b1 c1 level1 level0
0
2
0 4 4 7
0 5 1 0
1
end_operator
begin_operator
navigate r1 b1 c1 level2 level1
0
2
0 4 4 7
0 5 2 1
1
end_operator
begin_operator
navigate r1 b1 c1 level3 level2
0
2
0 4 4 7
0 5 3 2
1
end_operator
begin_operator
navigate r1 b1 c1 level4 level3
0
2
0 4 4 7
0 5 4 3
1
end_operator
begin_operator
navigate r1 b1 dock level1 level0
0
2
0 4 4 11
0 5 1 0
1
end_operator
begin_operator
navigate r1 b1 dock level2 level1
0
2
0 4 4 11
0 5 2 1
1
end_operator
begin_operator
navigate r1 b1 dock level3 level2
0
2
0 4 4 11
0 5 3 2
1
end_operator
begin_operator
navigate r1 b1 dock level4 level3
0
2
0 4 4 11
0 5 4 3
1
end_operator
begin_operator
navigate r1 b3 a3 level1 level0
0
2
0 4 5 2
0 5 1 0
1
end_operator
begin_operator
navigate r1 b3 a3 level2 level1
0
2
0 4 5 2
0 5 2 1
1
end_operator
begin_operator
navigate r1 b3 a3 level3 level2
0
2
0 4 5 2
0 5 3 2
1
end_operator
begin_operator
navigate r1 b3 a3 level4 level3
0
2
0 4 5 2
0 5 4 3
1
end_operator
begin_operator
navigate r1 b3 b4 level1 level0
0
2
0 4 5 6
0 5 1 0
1
end_operator
begin_operator
navigate r1 b3 b4 level2 level1
0
2
0 4 5 6
0 5 2 1
1
end_operator
begin_operator
navigate r1 b3 b4 level3 level2
0
2
0 4 5 6
0 5 3 2
1
end_operator
begin_operator
navigate r1 b3 b4 level4 level3
0
2
0 4 5 6
0 5 4 3
1
end_operator
begin_operator
navigate r1 b3 c3 level1 level0
0
2
0 4 5 9
0 5 1 0
1
end_operator
begin_operator
navigate r1 b3 c3 level2 level1
0
2
0 4 5 9
0 5 2 1
1
end_operator
begin_operator
navigate r1 b3 c3 level3 level2
0
2
0 4 5 9
0 5 3 2
1
end_operator
begin_operator
navigate r1 b3 c3 level4 level3
0
2
0 4 5 9
0 5 4 3
1
end_operator
begin_operator
navigate r1 b3 dock level1 level0
0
2
0 4 5 11
0 5 1 0
1
end_operator
begin_operator
navigate r1 b3 dock level2 level1
0
2
0 4 5 11
0 5 2 1
1
end_operator
begin_operator
navigate r1 b3 dock level3 level2
0
2
0 4 5 11
0 5 3 2
1
end_operator
begin_operator
navigate r1 b3 dock level4 level3
0
2
0 4 5 11
0 5 4 3
1
end_operator
begin_operator
navigate r1 b4 a4 level1 level0
0
2
0 4 6 3
0 5 1 0
1
end_operator
begin_operator
navigate r1 b4 a4 level2 level1
0
2
0 4 6 3
0 5 2 1
1
end_operator
begin_operator
navigate r1 b4 a4 level3 level2
0
2
0 4 6 3
0 5 3 2
1
end_operator
begin_operator
navigate r1 b4 a4 level4 level3
0
2
0 4 6 3
0 5 4 3
1
end_operator
begin_operator
navigate r1 b4 b3 level1 level0
0
2
0 4 6 5
0 5 1 0
1
end_operator
begin_operator
navigate r1 b4 b3 level2 level1
0
2
0 4 6 5
0 5 2 1
1
end_operator
begin_operator
navigate r1 b4 b3 level3 level2
0
2
0 4 6 5
0 5 3 2
1
end_operator
begin_operator
navigate r1 b4 b3 level4 level3
0
2
0 4 6 5
0 5 4 3
1
end_operator
begin_operator
navigate r1 b4 c4 level1 level0
0
2
0 4 6 10
0 5 1 0
1
end_operator
begin_operator
navigate r1 b4 c4 level2 level1
0
2
0 4 6 10
0 5 2 1
1
end_operator
begin_operator
navigate r1 b4 c4 level3 level2
0
2
0 4 6 10
0 5 3 2
1
end_operator
begin_operator
navigate r1 b4 c4 level4 level3
0
2
0 4 6 10
0 5 4 3
1
end_operator
begin_operator
navigate r1 c1 b1 level1 level0
0
2
0 4 7 4
0 5 1 0
1
end_operator
begin_operator
navigate r1 c1 b1 level2 level1
0
2
0 4 7 4
0 5 2 1
1
end_operator
begin_operator
navigate r1 c1 b1 level3 level2
0
2
0 4 7 4
0 5 3 2
1
end_operator
begin_operator
navigate r1 c1 b1 level4 level3
0
2
0 4 7 4
0 5 4 3
1
end_operator
begin_operator
navigate r1 c1 c2 level1 level0
0
2
0 4 7 8
0 5 1 0
1
end_operator
begin_operator
navigate r1 c1 c2 level2 level1
0
2
0 4 7 8
0 5 2 1
1
end_operator
begin_operator
navigate r1 c1 c2 level3 level2
0
2
0 4 7 8
0 5 3 2
1
end_operator
begin_operator
navigate r1 c1 c2 level4 level3
0
2
0 4 7 8
0 5 4 3
1
end_operator
begin_operator
navigate r1 c2 c1 level1 level0
0
2
0 4 8 7
0 5 1 0
1
end_operator
begin_operator
navigate r1 c2 c1 level2 level1
0
2
0 4 8 7
0 5 2 1
1
end_operator
begin_operator
navigate r1 c2 c1 level3 level2
0
2
0 4 8 7
0 5 3 2
1
end_operator
begin_operator
navigate r1 c2 c1 level4 level3
0
2
0 4 8 7
0 5 4 3
1
end_operator
begin_operator
navigate r1 c2 c3 level1 level0
0
2
0 4 8 9
0 5 1 0
1
end_operator
begin_operator
navigate r1 c2 c3 level2 level1
0
2
0 4 8 9
0 5 2 1
1
end_operator
begin_operator
navigate r1 c2 c3 level3 level2
0
2
0 4 8 9
0 5 3 2
1
end_operator
begin_operator
navigate r1 c2 c3 level4 level3
0
2
0 4 8 9
0 5 4 3
1
end_operator
begin_operator
navigate r1 c2 dock level1 level0
0
2
0 4 8 11
0 5 1 0
1
end_operator
begin_operator
navigate r1 c2 dock level2 level1
0
2
0 4 8 11
0 5 2 1
1
end_operator
begin_operator
navigate r1 c2 dock level3 level2
0
2
0 4 8 11
0 5 3 2
1
end_operator
begin_operator
navigate r1 c2 dock level4 level3
0
2
0 4 8 11
0 5 4 3
1
end_operator
begin_operator
navigate r1 c3 b3 level1 level0
0
2
0 4 9 5
0 5 1 0
1
end_operator
begin_operator
navigate r1 c3 b3 level2 level1
0
2
0 4 9 5
0 5 2 1
1
end_operator
begin_operator
navigate r1 c3 b3 level3 level2
0
2
0 4 9 5
0 5 3 2
1
end_operator
begin_operator
navigate r1 c3 b3 level4 level3
0
2
0 4 9 5
0 5 4 3
1
end_operator
begin_operator
navigate r1 c3 c2 level1 level0
0
2
0 4 9 8
0 5 1 0
1
end_operator
begin_operator
navigate r1 c3 c2 level2 level1
0
2
0 4 9 8
0 5 2 1
1
end_operator
begin_operator
navigate r1 c3 c2 level3 level2
0
2
0 4 9 8
0 5 3 2
1
end_operator
begin_operator
navigate r1 c3 c2 level4 level3
0
2
0 4 9 8
0 5 4 3
1
end_operator
begin_operator
navigate r1 c3 c4 level1 level0
0
2
0 4 9 10
0 5 1 0
1
end_operator
begin_operator
navigate r1 c3 c4 level2 level1
0
2
0 4 9 10
0 5 2 1
1
end_operator
begin_operator
navigate r1 c3 c4 level3 level2
0
2
0 4 9 10
0 5 3 2
1
end_operator
begin_operator
navigate r1 c3 c4 level4 level3
0
2
0 4 9 10
0 5 4 3
1
end_operator
begin_operator
navigate r1 c4 b4 level1 level0
0
2
0 4 10 6
0 5 1 0
1
end_operator
begin_operator
navigate r1 c4 b4 level2 level1
0
2
0 4 10 6
0 5 2 1
1
end_operator
begin_operator
navigate r1 c4 b4 level3 level2
0
2
0 4 10 6
0 5 3 2
1
end_operator
begin_operator
navigate r1 c4 b4 level4 level3
0
2
0 4 10 6
0 5 4 3
1
end_operator
begin_operator
navigate r1 c4 c3 level1 level0
0
2
0 4 10 9
0 5 1 0
1
end_operator
begin_operator
navigate r1 c4 c3 level2 level1
0
2
0 4 10 9
0 5 2 1
1
end_operator
begin_operator
navigate r1 c4 c3 level3 level2
0
2
0 4 10 9
0 5 3 2
1
end_operator
begin_operator
navigate r1 c4 c3 level4 level3
0
2
0 4 10 9
0 5 4 3
1
end_operator
begin_operator
navigate r1 dock a2 level1 level0
0
2
0 4 11 1
0 5 1 0
1
end_operator
begin_operator
navigate r1 dock a2 level2 level1
0
2
0 4 11 1
0 5 2 1
1
end_operator
begin_operator
navigate r1 dock a2 level3 level2
0
2
0 4 11 1
0 5 3 2
1
end_operator
begin_operator
navigate r1 dock a2 level4 level3
0
2
0 4 11 1
0 5 4 3
1
end_operator
begin_operator
navigate r1 dock b1 level1 level0
0
2
0 4 11 4
0 5 1 0
1
end_operator
begin_operator
navigate r1 dock b1 level2 level1
0
2
0 4 11 4
0 5 2 1
1
end_operator
begin_operator
navigate r1 dock b1 level3 level2
0
2
0 4 11 4
0 5 3 2
1
end_operator
begin_operator
navigate r1 dock b1 level4 level3
0
2
0 4 11 4
0 5 4 3
1
end_operator
begin_operator
navigate r1 dock b3 level1 level0
0
2
0 4 11 5
0 5 1 0
1
end_operator
begin_operator
navigate r1 dock b3 level2 level1
0
2
0 4 11 5
0 5 2 1
1
end_operator
begin_operator
navigate r1 dock b3 level3 level2
0
2
0 4 11 5
0 5 3 2
1
end_operator
begin_operator
navigate r1 dock b3 level4 level3
0
2
0 4 11 5
0 5 4 3
1
end_operator
begin_operator
navigate r1 dock c2 level1 level0
0
2
0 4 11 8
0 5 1 0
1
end_operator
begin_operator
navigate r1 dock c2 level2 level1
0
2
0 4 11 8
0 5 2 1
1
end_operator
begin_operator
navigate r1 dock c2 level3 level2
0
2
0 4 11 8
0 5 3 2
1
end_operator
begin_operator
navigate r1 dock c2 level4 level3
0
2
0 4 11 8
0 5 4 3
1
end_operator
begin_operator
navigate r2 a1 a2 level1 level0
0
2
0 2 0 1
0 3 1 0
1
end_operator
begin_operator
navigate r2 a1 a2 level2 level1
0
2
0 2 0 1
0 3 2 1
1
end_operator
begin_operator
navigate r2 a1 a2 level3 level2
0
2
0 2 0 1
0 3 3 2
1
end_operator
begin_operator
navigate r2 a1 a2 level4 level3
0
2
0 2 0 1
0 3 4 3
1
end_operator
begin_operator
navigate r2 a1 b1 level1 level0
0
2
0 2 0 4
0 3 1 0
1
end_operator
begin_operator
navigate r2 a1 b1 level2 level1
0
2
0 2 0 4
0 3 2 1
1
end_operator
begin_operator
navigate r2 a1 b1 level3 level2
0
2
0 2 0 4
0 3 3 2
1
end_operator
begin_operator
navigate r2 a1 b1 level4 level3
0
2
0 2 0 4
0 3 4 3
1
end_operator
begin_operator
navigate r2 a2 a1 level1 level0
0
2
0 2 1 0
0 3 1 0
1
end_operator
begin_operator
navigate r2 a2 a1 level2 level1
0
2
0 2 1 0
0 3 2 1
1
end_operator
begin_operator
navigate r2 a2 a1 level3 level2
0
2
0 2 1 0
0 3 3 2
1
end_operator
begin_operator
navigate r2 a2 a1 level4 level3
0
2
0 2 1 0
0 3 4 3
1
end_operator
begin_operator
navigate r2 a2 a3 level1 level0
0
2
0 2 1 2
0 3 1 0
1
end_operator
begin_operator
navigate r2 a2 a3 level2 level1
0
2
0 2 1 2
0 3 2 1
1
end_operator
begin_operator
navigate r2 a2 a3 level3 level2
0
2
0 2 1 2
0 3 3 2
1
end_operator
begin_operator
navigate r2 a2 a3 level4 level3
0
2
0 2 1 2
0 3 4 3
1
end_operator
begin_operator
navigate r2 a2 dock level1 level0
0
2
0 2 1 11
0 3 1 0
1
end_operator
begin_operator
navigate r2 a2 dock level2 level1
0
2
0 2 1 11
0 3 2 1
1
end_operator
begin_operator
navigate r2 a2 dock level3 level2
0
2
0 2 1 11
0 3 3 2
1
end_operator
begin_operator
navigate r2 a2 dock level4 level3
0
2
0 2 1 11
0 3 4 3
1
end_operator
begin_operator
navigate r2 a3 a2 level1 level0
0
2
0 2 2 1
0 3 1 0
1
end_operator
begin_operator
navigate r2 a3 a2 level2 level1
0
2
0 2 2 1
0 3 2 1
1
end_operator
begin_operator
navigate r2 a3 a2 level3 level2
0
2
0 2 2 1
0 3 3 2
1
end_operator
begin_operator
navigate r2 a3 a2 level4 level3
0
2
0 2 2 1
0 3 4 3
1
end_operator
begin_operator
navigate r2 a3 a4 level1 level0
0
2
0 2 2 3
0 3 1 0
1
end_operator
begin_operator
navigate r2 a3 a4 level2 level1
0
2
0 2 2 3
0 3 2 1
1
end_operator
begin_operator
navigate r2 a3 a4 level3 level2
0
2
0 2 2 3
0 3 3 2
1
end_operator
begin_operator
navigate r2 a3 a4 level4 level3
0
2
0 2 2 3
0 3 4 3
1
end_operator
begin_operator
navigate r2 a3 b3 level1 level0
0
2
0 2 2 5
0 3 1 0
1
end_operator
begin_operator
navigate r2 a3 b3 level2 level1
0
2
0 2 2 5
0 3 2 1
1
end_operator
begin_operator
navigate r2 a3 b3 level3 level2
0
2
0 2 2 5
0 3 3 2
1
end_operator
begin_operator
navigate r2 a3 b3 level4 level3
0
2
0 2 2 5
0 3 4 3
1
end_operator
begin_operator
navigate r2 a4 a3 level1 level0
0
2
0 2 3 2
0 3 1 0
1
end_operator
begin_operator
navigate r2 a4 a3 level2 level1
0
2
0 2 3 2
0 3 2 1
1
end_operator
begin_operator
navigate r2 a4 a3 level3 level2
0
2
0 2 3 2
0 3 3 2
1
end_operator
begin_operator
navigate r2 a4 a3 level4 level3
0
2
0 2 3 2
0 3 4 3
1
end_operator
begin_operator
navigate r2 a4 b4 level1 level0
0
2
0 2 3 6
0 3 1 0
1
end_operator
begin_operator
navigate r2 a4 b4 level2 level1
0
2
0 2 3 6
0 3 2 1
1
end_operator
begin_operator
navigate r2 a4 b4 level3 level2
0
2
0 2 3 6
0 3 3 2
1
end_operator
begin_operator
navigate r2 a4 b4 level4 level3
0
2
0 2 3 6
0 3 4 3
1
end_operator
begin_operator
navigate r2 b1 a1 level1 level0
0
2
0 2 4 0
0 3 1 0
1
end_operator
begin_operator
navigate r2 b1 a1 level2 level1
0
2
0 2 4 0
0 3 2 1
1
end_operator
begin_operator
navigate r2 b1 a1 level3 level2
0
2
0 2 4 0
0 3 3 2
1
end_operator
begin_operator
navigate r2 b1 a1 level4 level3
0
2
0 2 4 0
0 3 4 3
1
end_operator
begin_operator
navigate r2 b1 c1 level1 level0
0
2
0 2 4 7
0 3 1 0
1
end_operator
begin_operator
navigate r2 b1 c1 level2 level1
0
2
0 2 4 7
0 3 2 1
1
end_operator
begin_operator
navigate r2 b1 c1 level3 level2
0
2
0 2 4 7
0 3 3 2
1
end_operator
begin_operator
navigate r2 b1 c1 level4 level3
0
2
0 2 4 7
0 3 4 3
1
end_operator
begin_operator
navigate r2 b1 dock level1 level0
0
2
0 2 4 11
0 3 1 0
1
end_operator
begin_operator
navigate r2 b1 dock level2 level1
0
2
0 2 4 11
0 3 2 1
1
end_operator
begin_operator
navigate r2 b1 dock level3 level2
0
2
0 2 4 11
0 3 3 2
1
end_operator
begin_operator
navigate r2 b1 dock level4 level3
0
2
0 2 4 11
0 3 4 3
1
end_operator
begin_operator
navigate r2 b3 a3 level1 level0
0
2
0 2 5 2
0 3 1 0
1
end_operator
begin_operator
navigate r2 b3 a3 level2 level1
0
2
0 2 5 2
0 3 2 1
1
end_operator
begin_operator
navigate r2 b3 a3 level3 level2
0
2
0 2 5 2
0 3 3 2
1
end_operator
begin_operator
navigate r2 b3 a3 level4 level3
0
2
0 2 5 2
0 3 4 3
1
end_operator
begin_operator
navigate r2 b3 b4 level1 level0
0
2
0 2 5 6
0 3 1 0
1
end_operator
begin_operator
navigate r2 b3 b4 level2 level1
0
2
0 2 5 6
0 3 2 1
1
end_operator
begin_operator
navigate r2 b3 b4 level3 level2
0
2
0 2 5 6
0 3 3 2
1
end_operator
begin_operator
navigate r2 b3 b4 level4 level3
0
2
0 2 5 6
0 3 4 3
1
end_operator
begin_operator
navigate r2 b3 c3 level1 level0
0
2
0 2 5 9
0 3 1 0
1
end_operator
begin_operator
navigate r2 b3 c3 level2 level1
0
2
0 2 5 9
0 3 2 1
1
end_operator
begin_operator
navigate r2 b3 c3 level3 level2
0
2
0 2 5 9
0 3 3 2
1
end_operator
begin_operator
navigate r2 b3 c3 level4 level3
0
2
0 2 5 9
0 3 4 3
1
end_operator
begin_operator
navigate r2 b3 dock level1 level0
0
2
0 2 5 11
0 3 1 0
1
end_operator
begin_operator
navigate r2 b3 dock level2 level1
0
2
0 2 5 11
0 3 2 1
1
end_operator
begin_operator
navigate r2 b3 dock level3 level2
0
2
0 2 5 11
0 3 3 2
1
end_operator
begin_operator
navigate r2 b3 dock level4 level3
0
2
0 2 5 11
0 3 4 3
1
end_operator
begin_operator
navigate r2 b4 a4 level1 level0
0
2
0 2 6 3
0 3 1 0
1
end_operator
begin_operator
navigate r2 b4 a4 level2 level1
0
2
0 2 6 3
0 3 2 1
1
end_operator
begin_operator
navigate r2 b4 a4 level3 level2
0
2
0 2 6 3
0 3 3 2
1
end_operator
begin_operator
navigate r2 b4 a4 level4 level3
0
2
0 2 6 3
0 3 4 3
1
end_operator
begin_operator
navigate r2 b4 b3 level1 level0
0
2
0 2 6 5
0 3 1 0
1
end_operator
begin_operator
navigate r2 b4 b3 level2 level1
0
2
0 2 6 5
0 3 2 1
1
end_operator
begin_operator
navigate r2 b4 b3 level3 level2
0
2
0 2 6 5
0 3 3 2
1
end_operator
begin_operator
navigate r2 b4 b3 level4 level3
0
2
0 2 6 5
0 3 4 3
1
end_operator
begin_operator
navigate r2 b4 c4 level1 level0
0
2
0 2 6 10
0 3 1 0
1
end_operator
begin_operator
navigate r2 b4 c4 level2 level1
0
2
0 2 6 10
0 3 2 1
1
end_operator
begin_operator
navigate r2 b4 c4 level3 level2
0
2
0 2 6 10
0 3 3 2
1
end_operator
begin_operator
navigate r2 b4 c4 level4 level3
0
2
0 2 6 10
0 3 4 3
1
end_operator
begin_operator
navigate r2 c1 b1 level1 level0
0
2
0 2 7 4
0 3 1 0
1
end_operator
begin_operator
navigate r2 c1 b1 level2 level1
0
2
0 2 7 4
0 3 2 1
1
end_operator
begin_operator
navigate r2 c1 b1 level3 level2
0
2
0 2 7 4
0 3 3 2
1
end_operator
begin_operator
navigate r2 c1 b1 level4 level3
0
2
0 2 7 4
0 3 4 3
1
end_operator
begin_operator
navigate r2 c1 c2 level1 level0
0
2
0 2 7 8
0 3 1 0
1
end_operator
begin_operator
navigate r2 c1 c2 level2 level1
0
2
0 2 7 8
0 3 2 1
1
end_operator
begin_operator
navigate r2 c1 c2 level3 level2
0
2
0 2 7 8
0 3 3 2
1
end_operator
begin_operator
navigate r2 c1 c2 level4 level3
0
2
0 2 7 8
0 3 4 3
1
end_operator
begin_operator
navigate r2 c2 c1 level1 level0
0
2
0 2 8 7
0 3 1 0
1
end_operator
begin_operator
navigate r2 c2 c1 level2 level1
0
2
0 2 8 7
0 3 2 1
1
end_operator
begin_operator
navigate r2 c2 c1 level3 level2
0
2
0 2 8 7
0 3 3 2
1
end_operator
begin_operator
navigate r2 c2 c1 level4 level3
0
2
0 2 8 7
0 3 4 3
1
end_operator
begin_operator
navigate r2 c2 c3 level1 level0
0
2
0 2 8 9
0 3 1 0
1
end_operator
begin_operator
navigate r2 c2 c3 level2 level1
0
2
0 2 8 9
0 3 2 1
1
end_operator
begin_operator
navigate r2 c2 c3 level3 level2
0
2
0 2 8 9
0 3 3 2
1
end_operator
begin_operator
navigate r2 c2 c3 level4 level3
0
2
0 2 8 9
0 3 4 3
1
end_operator
begin_operator
navigate r2 c2 dock level1 level0
0
2
0 2 8 11
0 3 1 0
1
end_operator
begin_operator
navigate r2 c2 dock level2 level1
0
2
0 2 8 11
0 3 2 1
1
end_operator
begin_operator
navigate r2 c2 dock level3 level2
0
2
0 2 8 11
0 3 3 2
1
end_operator
begin_operator
navigate r2 c2 dock level4 level3
0
2
0 2 8 11
0 3 4 3
1
end_operator
begin_operator
navigate r2 c3 b3 level1 level0
0
2
0 2 9 5
0 3 1 0
1
end_operator
begin_operator
navigate r2 c3 b3 level2 level1
0
2
0 2 9 5
0 3 2 1
1
end_operator
begin_operator
navigate r2 c3 b3 level3 level2
0
2
0 2 9 5
0 3 3 2
1
end_operator
begin_operator
navigate r2 c3 b3 level4 level3
0
2
0 2 9 5
0 3 4 3
1
end_operator
begin_operator
navigate r2 c3 c2 level1 level0
0
2
0 2 9 8
0 3 1 0
1
end_operator
begin_operator
navigate r2 c3 c2 level2 level1
0
2
0 2 9 8
0 3 2 1
1
end_operator
begin_operator
navigate r2 c3 c2 level3 level2
0
2
0 2 9 8
0 3 3 2
1
end_operator
begin_operator
navigate r2 c3 c2 level4 level3
0
2
0 2 9 8
0 3 4 3
1
end_operator
begin_operator
navigate r2 c3 c4 level1 level0
0
2
0 2 9 10
0 3 1 0
1
end_operator
begin_operator
navigate r2 c3 c4 level2 level1
0
2
0 2 9 10
0 3 2 1
1
end_operator
begin_operator
navigate r2 c3 c4 level3 level2
0
2
0 2 9 10
0 3 3 2
1
end_operator
begin_operator
navigate r2 c3 c4 level4 level3
0
2
0 2 9 10
0 3 4 3
1
end_operator
begin_operator
navigate r2 c4 b4 level1 level0
0
2
0 2 10 6
0 3 1 0
1
end_operator
begin_operator
navigate r2 c4 b4 level2 level1
0
2
0 2 10 6
0 3 2 1
1
end_operator
begin_operator
navigate r2 c4 b4 level3 level2
0
2
0 2 10 6
0 3 3 2
1
end_operator
begin_operator
navigate r2 c4 b4 level4 level3
0
2
0 2 10 6
0 3 4 3
1
end_operator
begin_operator
navigate r2 c4 c3 level1 level0
0
2
0 2 10 9
0 3 1 0
1
end_operator
begin_operator
navigate r2 c4 c3 level2 level1
0
2
0 2 10 9
0 3 2 1
1
end_operator
begin_operator
navigate r2 c4 c3 level3 level2
0
2
0 2 10 9
0 3 3 2
1
end_operator
begin_operator
navigate r2 c4 c3 level4 level3
0
2
0 2 10 9
0 3 4 3
1
end_operator
begin_operator
navigate r2 dock a2 level1 level0
0
2
0 2 11 1
0 3 1 0
1
end_operator
begin_operator
navigate r2 dock a2 level2 level1
0
2
0 2 11 1
0 3 2 1
1
end_operator
begin_operator
navigate r2 dock a2 level3 level2
0
2
0 2 11 1
0 3 3 2
1
end_operator
begin_operator
navigate r2 dock a2 level4 level3
0
2
0 2 11 1
0 3 4 3
1
end_operator
begin_operator
navigate r2 dock b1 level1 level0
0
2
0 2 11 4
0 3 1 0
1
end_operator
begin_operator
navigate r2 dock b1 level2 level1
0
2
0 2 11 4
0 3 2 1
1
end_operator
begin_operator
navigate r2 dock b1 level3 level2
0
2
0 2 11 4
0 3 3 2
1
end_operator
begin_operator
navigate r2 dock b1 level4 level3
0
2
0 2 11 4
0 3 4 3
1
end_operator
begin_operator
navigate r2 dock b3 level1 level0
0
2
0 2 11 5
0 3 1 0
1
end_operator
begin_operator
navigate r2 dock b3 level2 level1
0
2
0 2 11 5
0 3 2 1
1
end_operator
begin_operator
navigate r2 dock b3 level3 level2
0
2
0 2 11 5
0 3 3 2
1
end_operator
begin_operator
navigate r2 dock b3 level4 level3
0
2
0 2 11 5
0 3 4 3
1
end_operator
begin_operator
navigate r2 dock c2 level1 level0
0
2
0 2 11 8
0 3 1 0
1
end_operator
begin_operator
navigate r2 dock c2 level2 level1
0
2
0 2 11 8
0 3 2 1
1
end_operator
begin_operator
navigate r2 dock c2 level3 level2
0
2
0 2 11 8
0 3 3 2
1
end_operator
begin_operator
navigate r2 dock c2 level4 level3
0
2
0 2 11 8
0 3 4 3
1
end_operator
begin_operator
navigate r3 a1 a2 level1 level0
0
2
0 0 0 1
0 1 1 0
1
end_operator
begin_operator
navigate r3 a1 a2 level2 level1
0
2
0 0 0 1
0 1 2 1
1
end_operator
begin_operator
navigate r3 a1 a2 level3 level2
0
2
0 0 0 1
0 1 3 2
1
end_operator
begin_operator
navigate r3 a1 a2 level4 level3
0
2
0 0 0 1
0 1 4 3
1
end_operator
begin_operator
navigate r3 a1 b1 level1 level0
0
2
0 0 0 4
0 1 1 0
1
end_operator
begin_operator
navigate r3 a1 b1 level2 level1
0
2
0 0 0 4
0 1 2 1
1
end_operator
begin_operator
navigate r3 a1 b1 level3 level2
0
2
0 0 0 4
0 1 3 2
1
end_operator
begin_operator
navigate r3 a1 b1 level4 level3
0
2
0 0 0 4
0 1 4 3
1
end_operator
begin_operator
navigate r3 a2 a1 level1 level0
0
2
0 0 1 0
0 1 1 0
1
end_operator
begin_operator
navigate r3 a2 a1 level2 level1
0
2
0 0 1 0
0 1 2 1
1
end_operator
begin_operator
navigate r3 a2 a1 level3 level2
0
2
0 0 1 0
0 1 3 2
1
end_operator
begin_operator
navigate r3 a2 a1 level4 level3
0
2
0 0 1 0
0 1 4 3
1
end_operator
begin_operator
navigate r3 a2 a3 level1 level0
0
2
0 0 1 2
0 1 1 0
1
end_operator
begin_operator
navigate r3 a2 a3 level2 level1
0
2
0 0 1 2
0 1 2 1
1
end_operator
begin_operator
navigate r3 a2 a3 level3 level2
0
2
0 0 1 2
0 1 3 2
1
end_operator
begin_operator
navigate r3 a2 a3 level4 level3
0
2
0 0 1 2
0 1 4 3
1
end_operator
begin_operator
navigate r3 a2 dock level1 level0
0
2
0 0 1 11
0 1 1 0
1
end_operator
begin_operator
navigate r3 a2 dock level2 level1
0
2
0 0 1 11
0 1 2 1
1
end_operator
begin_operator
navigate r3 a2 dock level3 level2
0
2
0 0 1 11
0 1 3 2
1
end_operator
begin_operator
navigate r3 a2 dock level4 level3
0
2
0 0 1 11
0 1 4 3
1
end_operator
begin_operator
navigate r3 a3 a2 level1 level0
0
2
0 0 2 1
0 1 1 0
1
end_operator
begin_operator
navigate r3 a3 a2 level2 level1
0
2
0 0 2 1
0 1 2 1
1
end_operator
begin_operator
navigate r3 a3 a2 level3 level2
0
2
0 0 2 1
0 1 3 2
1
end_operator
begin_operator
navigate r3 a3 a2 level4 level3
0
2
0 0 2 1
0 1 4 3
1
end_operator
begin_operator
navigate r3 a3 a4 level1 level0
0
2
0 0 2 3
0 1 1 0
1
end_operator
begin_operator
navigate r3 a3 a4 level2 level1
0
2
0 0 2 3
0 1 2 1
1
end_operator
begin_operator
navigate r3 a3 a4 level3 level2
0
2
0 0 2 3
0 1 3 2
1
end_operator
begin_operator
navigate r3 a3 a4 level4 level3
0
2
0 0 2 3
0 1 4 3
1
end_operator
begin_operator
navigate r3 a3 b3 level1 level0
0
2
0 0 2 5
0 1 1 0
1
end_operator
begin_operator
navigate r3 a3 b3 level2 level1
0
2
0 0 2 5
0 1 2 1
1
end_operator
begin_operator
navigate r3 a3 b3 level3 level2
0
2
0 0 2 5
0 1 3 2
1
end_operator
begin_operator
navigate r3 a3 b3 level4 level3
0
2
0 0 2 5
0 1 4 3
1
end_operator
begin_operator
navigate r3 a4 a3 level1 level0
0
2
0 0 3 2
0 1 1 0
1
end_operator
begin_operator
navigate r3 a4 a3 level2 level1
0
2
0 0 3 2
0 1 2 1
1
end_operator
begin_operator
navigate r3 a4 a3 level3 level2
0
2
0 0 3 2
0 1 3 2
1
end_operator
begin_operator
navigate r3 a4 a3 level4 level3
0
2
0 0 3 2
0 1 4 3
1
end_operator
begin_operator
navigate r3 a4 b4 level1 level0
0
2
0 0 3 6
0 1 1 0
1
end_operator
begin_operator
navigate r3 a4 b4 level2 level1
0
2
0 0 3 6
0 1 2 1
1
end_operator
begin_operator
navigate r3 a4 b4 level3 level2
0
2
0 0 3 6
0 1 3 2
1
end_operator
begin_operator
navigate r3 a4 b4 level4 level3
0
2
0 0 3 6
0 1 4 3
1
end_operator
begin_operator
navigate r3 b1 a1 level1 level0
0
2
0 0 4 0
0 1 1 0
1
end_operator
begin_operator
navigate r3 b1 a1 level2 level1
0
2
0 0 4 0
0 1 2 1
1
end_operator
begin_operator
navigate r3 b1 a1 level3 level2
0
2
0 0 4 0
0 1 3 2
1
end_operator
begin_operator
navigate r3 b1 a1 level4 level3
0
2
0 0 4 0
0 1 4 3
1
end_operator
begin_operator
navigate r3 b1 c1 level1 level0
0
2
0 0 4 7
0 1 1 0
1
end_operator
begin_operator
navigate r3 b1 c1 level2 level1
0
2
0 0 4 7
0 1 2 1
1
end_operator
begin_operator
navigate r3 b1 c1 level3 level2
0
2
0 0 4 7
0 1 3 2
1
end_operator
begin_operator
navigate r3 b1 c1 level4 level3
0
2
0 0 4 7
0 1 4 3
1
end_operator
begin_operator
navigate r3 b1 dock level1 level0
0
2
0 0 4 11
0 1 1 0
1
end_operator
begin_operator
navigate r3 b1 dock level2 level1
0
2
0 0 4 11
0 1 2 1
1
end_operator
begin_operator
navigate r3 b1 dock level3 level2
0
2
0 0 4 11
0 1 3 2
1
end_operator
begin_operator
navigate r3 b1 dock level4 level3
0
2
0 0 4 11
0 1 4 3
1
end_operator
begin_operator
navigate r3 b3 a3 level1 level0
0
2
0 0 5 2
0 1 1 0
1
end_operator
begin_operator
navigate r3 b3 a3 level2 level1
0
2
0 0 5 2
0 1 2 1
1
end_operator
begin_operator
navigate r3 b3 a3 level3 level2
0
2
0 0 5 2
0 1 3 2
1
end_operator
begin_operator
navigate r3 b3 a3 level4 level3
0
2
0 0 5 2
0 1 4 3
1
end_operator
begin_operator
navigate r3 b3 b4 level1 level0
0
2
0 0 5 6
0 1 1 0
1
end_operator
begin_operator
navigate r3 b3 b4 level2 level1
0
2
0 0 5 6
0 1 2 1
1
end_operator
begin_operator
navigate r3 b3 b4 level3 level2
0
2
0 0 5 6
0 1 3 2
1
end_operator
begin_operator
navigate r3 b3 b4 level4 level3
0
2
0 0 5 6
0 1 4 3
1
end_operator
begin_operator
navigate r3 b3 c3 level1 level0
0
2
0 0 5 9
0 1 1 0
1
end_operator
begin_operator
navigate r3 b3 c3 level2 level1
0
2
0 0 5 9
0 1 2 1
1
end_operator
begin_operator
navigate r3 b3 c3 level3 level2
0
2
0 0 5 9
0 1 3 2
1
end_operator
begin_operator
navigate r3 b3 c3 level4 level3
0
2
0 0 5 9
0 1 4 3
1
end_operator
begin_operator
navigate r3 b3 dock level1 level0
0
2
0 0 5 11
0 1 1 0
1
end_operator
begin_operator
navigate r3 b3 dock level2 level1
0
2
0 0 5 11
0 1 2 1
1
end_operator
begin_operator
navigate r3 b3 dock level3 level2
0
2
0 0 5 11
0 1 3 2
1
end_operator
begin_operator
navigate r3 b3 dock level4 level3
0
2
0 0 5 11
0 1 4 3
1
end_operator
begin_operator
navigate r3 b4 a4 level1 level0
0
2
0 0 6 3
0 1 1 0
1
end_operator
begin_operator
navigate r3 b4 a4 level2 level1
0
2
0 0 6 3
0 1 2 1
1
end_operator
begin_operator
navigate r3 b4 a4 level3 level2
0
2
0 0 6 3
0 1 3 2
1
end_operator
begin_operator
navigate r3 b4 a4 level4 level3
0
2
0 0 6 3
0 1 4 3
1
end_operator
begin_operator
navigate r3 b4 b3 level1 level0
0
2
0 0 6 5
0 1 1 0
1
end_operator
begin_operator
navigate r3 b4 b3 level2 level1
0
2
0 0 6 5
0 1 2 1
1
end_operator
begin_operator
navigate r3 b4 b3 level3 level2
0
2
0 0 6 5
0 1 3 2
1
end_operator
begin_operator
navigate r3 b4 b3 level4 level3
0
2
0 0 6 5
0 1 4 3
1
end_operator
begin_operator
navigate r3 b4 c4 level1 level0
0
2
0 0 6 10
0 1 1 0
1
end_operator
begin_operator
navigate r3 b4 c4 level2 level1
0
2
0 0 6 10
0 1 2 1
1
end_operator
begin_operator
navigate r3 b4 c4 level3 level2
0
2
0 0 6 10
0 1 3 2
1
end_operator
begin_operator
navigate r3 b4 c4 level4 level3
0
2
0 0 6 10
0 1 4 3
1
end_operator
begin_operator
navigate r3 c1 b1 level1 level0
0
2
0 0 7 4
0 1 1 0
1
end_operator
begin_operator
navigate r3 c1 b1 level2 level1
0
2
0 0 7 4
0 1 2 1
1
end_operator
begin_operator
navigate r3 c1 b1 level3 level2
0
2
0 0 7 4
0 1 3 2
1
end_operator
begin_operator
navigate r3 c1 b1 level4 level3
0
2
0 0 7 4
0 1 4 3
1
end_operator
begin_operator
navigate r3 c1 c2 level1 level0
0
2
0 0 7 8
0 1 1 0
1
end_operator
begin_operator
navigate r3 c1 c2 level2 level1
0
2
0 0 7 8
0 1 2 1
1
end_operator
begin_operator
navigate r3 c1 c2 level3 level2
0
2
0 0 7 8
0 1 3 2
1
end_operator
begin_operator
navigate r3 c1 c2 level4 level3
0
2
0 0 7 8
0 1 4 3
1
end_operator
begin_operator
navigate r3 c2 c1 level1 level0
0
2
0 0 8 7
0 1 1 0
1
end_operator
begin_operator
navigate r3 c2 c1 level2 level1
0
2
0 0 8 7
0 1 2 1
1
end_operator
begin_operator
navigate r3 c2 c1 level3 level2
0
2
0 0 8 7
0 1 3 2
1
end_operator
begin_operator
navigate r3 c2 c1 level4 level3
0
2
0 0 8 7
0 1 4 3
1
end_operator
begin_operator
navigate r3 c2 c3 level1 level0
0
2
0 0 8 9
0 1 1 0
1
end_operator
begin_operator
navigate r3 c2 c3 level2 level1
0
2
0 0 8 9
0 1 2 1
1
end_operator
begin_operator
navigate r3 c2 c3 level3 level2
0
2
0 0 8 9
0 1 3 2
1
end_operator
begin_operator
navigate r3 c2 c3 level4 level3
0
2
0 0 8 9
0 1 4 3
1
end_operator
begin_operator
navigate r3 c2 dock level1 level0
0
2
0 0 8 11
0 1 1 0
1
end_operator
begin_operator
navigate r3 c2 dock level2 level1
0
2
0 0 8 11
0 1 2 1
1
end_operator
begin_operator
navigate r3 c2 dock level3 level2
0
2
0 0 8 11
0 1 3 2
1
end_operator
begin_operator
navigate r3 c2 dock level4 level3
0
2
0 0 8 11
0 1 4 3
1
end_operator
begin_operator
navigate r3 c3 b3 level1 level0
0
2
0 0 9 5
0 1 1 0
1
end_operator
begin_operator
navigate r3 c3 b3 level2 level1
0
2
0 0 9 5
0 1 2 1
1
end_operator
begin_operator
navigate r3 c3 b3 level3 level2
0
2
0 0 9 5
0 1 3 2
1
end_operator
begin_operator
navigate r3 c3 b3 level4 level3
0
2
0 0 9 5
0 1 4 3
1
end_operator
begin_operator
navigate r3 c3 c2 level1 level0
0
2
0 0 9 8
0 1 1 0
1
end_operator
begin_operator
navigate r3 c3 c2 level2 level1
0
2
0 0 9 8
0 1 2 1
1
end_operator
begin_operator
navigate r3 c3 c2 level3 level2
0
2
0 0 9 8
0 1 3 2
1
end_operator
begin_operator
navigate r3 c3 c2 level4 level3
0
2
0 0 9 8
0 1 4 3
1
end_operator
begin_operator
navigate r3 c3 c4 level1 level0
0
2
0 0 9 10
0 1 1 0
1
end_operator
begin_operator
navigate r3 c3 c4 level2 level1
0
2
0 0 9 10
0 1 2 1
1
end_operator
begin_operator
navigate r3 c3 c4 level3 level2
0
2
0 0 9 10
0 1 3 2
1
end_operator
begin_operator
navigate r3 c3 c4 level4 level3
0
2
0 0 9 10
0 1 4 3
1
end_operator
begin_operator
navigate r3 c4 b4 level1 level0
0
2
0 0 10 6
0 1 1 0
1
end_operator
begin_operator
navigate r3 c4 b4 level2 level1
0
2
0 0 10 6
0 1 2 1
1
end_operator
begin_operator
navigate r3 c4 b4 level3 level2
0
2
0 0 10 6
0 1 3 2
1
end_operator
begin_operator
navigate r3 c4 b4 level4 level3
0
2
0 0 10 6
0 1 4 3
1
end_operator
begin_operator
navigate r3 c4 c3 level1 level0
0
2
0 0 10 9
0 1 1 0
1
end_operator
begin_operator
navigate r3 c4 c3 level2 level1
0
2
0 0 10 9
0 1 2 1
1
end_operator
begin_operator
navigate r3 c4 c3 level3 level2
0
2
0 0 10 9
0 1 3 2
1
end_operator
begin_operator
navigate r3 c4 c3 level4 level3
0
2
0 0 10 9
0 1 4 3
1
end_operator
begin_operator
navigate r3 dock a2 level1 level0
0
2
0 0 11 1
0 1 1 0
1
end_operator
begin_operator
navigate r3 dock a2 level2 level1
0
2
0 0 11 1
0 1 2 1
1
end_operator
begin_operator
navigate r3 dock a2 level3 level2
0
2
0 0 11 1
0 1 3 2
1
end_operator
begin_operator
navigate r3 dock a2 level4 level3
0
2
0 0 11 1
0 1 4 3
1
end_operator
begin_operator
navigate r3 dock b1 level1 level0
0
2
0 0 11 4
0 1 1 0
1
end_operator
begin_operator
navigate r3 dock b1 level2 level1
0
2
0 0 11 4
0 1 2 1
1
end_operator
begin_operator
navigate r3 dock b1 level3 level2
0
2
0 0 11 4
0 1 3 2
1
end_operator
begin_operator
navigate r3 dock b1 level4 level3
0
2
0 0 11 4
0 1 4 3
1
end_operator
begin_operator
navigate r3 dock b3 level1 level0
0
2
0 0 11 5
0 1 1 0
1
end_operator
begin_operator
navigate r3 dock b3 level2 level1
0
2
0 0 11 5
0 1 2 1
1
end_operator
begin_operator
navigate r3 dock b3 level3 level2
0
2
0 0 11 5
0 1 3 2
1
end_operator
begin_operator
navigate r3 dock b3 level4 level3
0
2
0 0 11 5
0 1 4 3
1
end_operator
begin_operator
navigate r3 dock c2 level1 level0
0
2
0 0 11 8
0 1 1 0
1
end_operator
begin_operator
navigate r3 dock c2 level2 level1
0
2
0 0 11 8
0 1 2 1
1
end_operator
begin_operator
navigate r3 dock c2 level3 level2
0
2
0 0 11 8
0 1 3 2
1
end_operator
begin_operator
navigate r3 dock c2 level4 level3
0
2
0 0 11 8
0 1 4 3
1
end_operator
begin_operator
pick r1 box1 a1
1
4 0
2
0 9 3 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 a2
1
4 1
2
0 9 4 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 a3
1
4 2
2
0 9 5 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 a4
1
4 3
2
0 9 6 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 b1
1
4 4
2
0 9 7 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 b3
1
4 5
2
0 9 8 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 b4
1
4 6
2
0 9 9 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 c1
1
4 7
2
0 9 10 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 c2
1
4 8
2
0 9 11 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 c3
1
4 9
2
0 9 12 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 c4
1
4 10
2
0 9 13 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box1 dock
1
4 11
2
0 9 14 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 a1
1
4 0
2
0 10 3 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 a2
1
4 1
2
0 10 4 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 a3
1
4 2
2
0 10 5 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 a4
1
4 3
2
0 10 6 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 b1
1
4 4
2
0 10 7 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 b3
1
4 5
2
0 10 8 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 b4
1
4 6
2
0 10 9 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 c1
1
4 7
2
0 10 10 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 c2
1
4 8
2
0 10 11 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 c3
1
4 9
2
0 10 12 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 c4
1
4 10
2
0 10 13 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box2 dock
1
4 11
2
0 10 14 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 a1
1
4 0
2
0 11 3 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 a2
1
4 1
2
0 11 4 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 a3
1
4 2
2
0 11 5 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 a4
1
4 3
2
0 11 6 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 b1
1
4 4
2
0 11 7 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 b3
1
4 5
2
0 11 8 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 b4
1
4 6
2
0 11 9 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 c1
1
4 7
2
0 11 10 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 c2
1
4 8
2
0 11 11 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 c3
1
4 9
2
0 11 12 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 c4
1
4 10
2
0 11 13 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box3 dock
1
4 11
2
0 11 14 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 a1
1
4 0
2
0 12 3 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 a2
1
4 1
2
0 12 4 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 a3
1
4 2
2
0 12 5 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 a4
1
4 3
2
0 12 6 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 b1
1
4 4
2
0 12 7 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 b3
1
4 5
2
0 12 8 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 b4
1
4 6
2
0 12 9 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 c1
1
4 7
2
0 12 10 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 c2
1
4 8
2
0 12 11 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 c3
1
4 9
2
0 12 12 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 c4
1
4 10
2
0 12 13 0
0 6 0 1
1
end_operator
begin_operator
pick r1 box4 dock
1
4 11
2
0 12 14 0
0 6 0 1
1
end_operator
begin_operator
pick r2 box1 a1
1
2 0
2
0 9 3 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 a2
1
2 1
2
0 9 4 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 a3
1
2 2
2
0 9 5 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 a4
1
2 3
2
0 9 6 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 b1
1
2 4
2
0 9 7 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 b3
1
2 5
2
0 9 8 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 b4
1
2 6
2
0 9 9 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 c1
1
2 7
2
0 9 10 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 c2
1
2 8
2
0 9 11 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 c3
1
2 9
2
0 9 12 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 c4
1
2 10
2
0 9 13 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box1 dock
1
2 11
2
0 9 14 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 a1
1
2 0
2
0 10 3 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 a2
1
2 1
2
0 10 4 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 a3
1
2 2
2
0 10 5 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 a4
1
2 3
2
0 10 6 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 b1
1
2 4
2
0 10 7 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 b3
1
2 5
2
0 10 8 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 b4
1
2 6
2
0 10 9 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 c1
1
2 7
2
0 10 10 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 c2
1
2 8
2
0 10 11 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 c3
1
2 9
2
0 10 12 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 c4
1
2 10
2
0 10 13 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box2 dock
1
2 11
2
0 10 14 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 a1
1
2 0
2
0 11 3 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 a2
1
2 1
2
0 11 4 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 a3
1
2 2
2
0 11 5 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 a4
1
2 3
2
0 11 6 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 b1
1
2 4
2
0 11 7 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 b3
1
2 5
2
0 11 8 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 b4
1
2 6
2
0 11 9 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 c1
1
2 7
2
0 11 10 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 c2
1
2 8
2
0 11 11 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 c3
1
2 9
2
0 11 12 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 c4
1
2 10
2
0 11 13 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box3 dock
1
2 11
2
0 11 14 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 a1
1
2 0
2
0 12 3 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 a2
1
2 1
2
0 12 4 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 a3
1
2 2
2
0 12 5 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 a4
1
2 3
2
0 12 6 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 b1
1
2 4
2
0 12 7 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 b3
1
2 5
2
0 12 8 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 b4
1
2 6
2
0 12 9 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 c1
1
2 7
2
0 12 10 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 c2
1
2 8
2
0 12 11 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 c3
1
2 9
2
0 12 12 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 c4
1
2 10
2
0 12 13 1
0 7 0 1
1
end_operator
begin_operator
pick r2 box4 dock
1
2 11
2
0 12 14 1
0 7 0 1
1
end_operator
begin_operator
pick r3 box1 a1
1
0 0
2
0 9 3 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 a2
1
0 1
2
0 9 4 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 a3
1
0 2
2
0 9 5 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 a4
1
0 3
2
0 9 6 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 b1
1
0 4
2
0 9 7 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 b3
1
0 5
2
0 9 8 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 b4
1
0 6
2
0 9 9 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 c1
1
0 7
2
0 9 10 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 c2
1
0 8
2
0 9 11 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 c3
1
0 9
2
0 9 12 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 c4
1
0 10
2
0 9 13 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box1 dock
1
0 11
2
0 9 14 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 a1
1
0 0
2
0 10 3 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 a2
1
0 1
2
0 10 4 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 a3
1
0 2
2
0 10 5 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 a4
1
0 3
2
0 10 6 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 b1
1
0 4
2
0 10 7 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 b3
1
0 5
2
0 10 8 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 b4
1
0 6
2
0 10 9 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 c1
1
0 7
2
0 10 10 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 c2
1
0 8
2
0 10 11 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 c3
1
0 9
2
0 10 12 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 c4
1
0 10
2
0 10 13 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box2 dock
1
0 11
2
0 10 14 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 a1
1
0 0
2
0 11 3 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 a2
1
0 1
2
0 11 4 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 a3
1
0 2
2
0 11 5 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 a4
1
0 3
2
0 11 6 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 b1
1
0 4
2
0 11 7 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 b3
1
0 5
2
0 11 8 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 b4
1
0 6
2
0 11 9 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 c1
1
0 7
2
0 11 10 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 c2
1
0 8
2
0 11 11 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 c3
1
0 9
2
0 11 12 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 c4
1
0 10
2
0 11 13 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box3 dock
1
0 11
2
0 11 14 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 a1
1
0 0
2
0 12 3 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 a2
1
0 1
2
0 12 4 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 a3
1
0 2
2
0 12 5 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 a4
1
0 3
2
0 12 6 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 b1
1
0 4
2
0 12 7 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 b3
1
0 5
2
0 12 8 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 b4
1
0 6
2
0 12 9 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 c1
1
0 7
2
0 12 10 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 c2
1
0 8
2
0 12 11 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 c3
1
0 9
2
0 12 12 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 c4
1
0 10
2
0 12 13 2
0 8 0 1
1
end_operator
begin_operator
pick r3 box4 dock
1
0 11
2
0 12 14 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 a1
1
4 0
2
0 13 3 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 a2
1
4 1
2
0 13 4 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 a3
1
4 2
2
0 13 5 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 a4
1
4 3
2
0 13 6 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 b1
1
4 4
2
0 13 7 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 b3
1
4 5
2
0 13 8 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 b4
1
4 6
2
0 13 9 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 c1
1
4 7
2
0 13 10 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 c2
1
4 8
2
0 13 11 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 c3
1
4 9
2
0 13 12 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 c4
1
4 10
2
0 13 13 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate1 dock
1
4 11
2
0 13 14 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 a1
1
4 0
2
0 14 3 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 a2
1
4 1
2
0 14 4 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 a3
1
4 2
2
0 14 5 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 a4
1
4 3
2
0 14 6 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 b1
1
4 4
2
0 14 7 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 b3
1
4 5
2
0 14 8 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 b4
1
4 6
2
0 14 9 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 c1
1
4 7
2
0 14 10 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 c2
1
4 8
2
0 14 11 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 c3
1
4 9
2
0 14 12 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 c4
1
4 10
2
0 14 13 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate2 dock
1
4 11
2
0 14 14 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 a1
1
4 0
2
0 15 3 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 a2
1
4 1
2
0 15 4 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 a3
1
4 2
2
0 15 5 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 a4
1
4 3
2
0 15 6 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 b1
1
4 4
2
0 15 7 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 b3
1
4 5
2
0 15 8 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 b4
1
4 6
2
0 15 9 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 c1
1
4 7
2
0 15 10 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 c2
1
4 8
2
0 15 11 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 c3
1
4 9
2
0 15 12 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 c4
1
4 10
2
0 15 13 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r1 crate3 dock
1
4 11
2
0 15 14 0
0 6 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 a1
1
2 0
2
0 13 3 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 a2
1
2 1
2
0 13 4 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 a3
1
2 2
2
0 13 5 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 a4
1
2 3
2
0 13 6 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 b1
1
2 4
2
0 13 7 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 b3
1
2 5
2
0 13 8 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 b4
1
2 6
2
0 13 9 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 c1
1
2 7
2
0 13 10 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 c2
1
2 8
2
0 13 11 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 c3
1
2 9
2
0 13 12 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 c4
1
2 10
2
0 13 13 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate1 dock
1
2 11
2
0 13 14 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 a1
1
2 0
2
0 14 3 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 a2
1
2 1
2
0 14 4 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 a3
1
2 2
2
0 14 5 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 a4
1
2 3
2
0 14 6 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 b1
1
2 4
2
0 14 7 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 b3
1
2 5
2
0 14 8 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 b4
1
2 6
2
0 14 9 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 c1
1
2 7
2
0 14 10 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 c2
1
2 8
2
0 14 11 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 c3
1
2 9
2
0 14 12 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 c4
1
2 10
2
0 14 13 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate2 dock
1
2 11
2
0 14 14 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 a1
1
2 0
2
0 15 3 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 a2
1
2 1
2
0 15 4 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 a3
1
2 2
2
0 15 5 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 a4
1
2 3
2
0 15 6 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 b1
1
2 4
2
0 15 7 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 b3
1
2 5
2
0 15 8 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 b4
1
2 6
2
0 15 9 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 c1
1
2 7
2
0 15 10 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 c2
1
2 8
2
0 15 11 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 c3
1
2 9
2
0 15 12 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 c4
1
2 10
2
0 15 13 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r2 crate3 dock
1
2 11
2
0 15 14 1
0 7 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 a1
1
0 0
2
0 13 3 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 a2
1
0 1
2
0 13 4 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 a3
1
0 2
2
0 13 5 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 a4
1
0 3
2
0 13 6 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 b1
1
0 4
2
0 13 7 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 b3
1
0 5
2
0 13 8 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 b4
1
0 6
2
0 13 9 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 c1
1
0 7
2
0 13 10 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 c2
1
0 8
2
0 13 11 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 c3
1
0 9
2
0 13 12 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 c4
1
0 10
2
0 13 13 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate1 dock
1
0 11
2
0 13 14 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 a1
1
0 0
2
0 14 3 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 a2
1
0 1
2
0 14 4 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 a3
1
0 2
2
0 14 5 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 a4
1
0 3
2
0 14 6 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 b1
1
0 4
2
0 14 7 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 b3
1
0 5
2
0 14 8 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 b4
1
0 6
2
0 14 9 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 c1
1
0 7
2
0 14 10 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 c2
1
0 8
2
0 14 11 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 c3
1
0 9
2
0 14 12 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 c4
1
0 10
2
0 14 13 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate2 dock
1
0 11
2
0 14 14 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 a1
1
0 0
2
0 15 3 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 a2
1
0 1
2
0 15 4 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 a3
1
0 2
2
0 15 5 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 a4
1
0 3
2
0 15 6 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 b1
1
0 4
2
0 15 7 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 b3
1
0 5
2
0 15 8 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 b4
1
0 6
2
0 15 9 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 c1
1
0 7
2
0 15 10 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 c2
1
0 8
2
0 15 11 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 c3
1
0 9
2
0 15 12 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 c4
1
0 10
2
0 15 13 2
0 8 0 1
1
end_operator
begin_operator
pick-heavy r3 crate3 dock
1
0 11
2
0 15 14 2
0 8 0 1
1
end_operator
begin_operator
place r1 box1 a1
1
4 0
2
0 9 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 a2
1
4 1
2
0 9 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 a3
1
4 2
2
0 9 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 a4
1
4 3
2
0 9 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 b1
1
4 4
2
0 9 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 b3
1
4 5
2
0 9 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 b4
1
4 6
2
0 9 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 c1
1
4 7
2
0 9 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 c2
1
4 8
2
0 9 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 c3
1
4 9
2
0 9 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 c4
1
4 10
2
0 9 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 box1 dock
1
4 11
2
0 9 0 14
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 a1
1
4 0
2
0 10 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 a2
1
4 1
2
0 10 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 a3
1
4 2
2
0 10 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 a4
1
4 3
2
0 10 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 b1
1
4 4
2
0 10 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 b3
1
4 5
2
0 10 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 b4
1
4 6
2
0 10 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 c1
1
4 7
2
0 10 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 c2
1
4 8
2
0 10 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 c3
1
4 9
2
0 10 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 c4
1
4 10
2
0 10 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 box2 dock
1
4 11
2
0 10 0 14
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 a1
1
4 0
2
0 11 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 a2
1
4 1
2
0 11 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 a3
1
4 2
2
0 11 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 a4
1
4 3
2
0 11 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 b1
1
4 4
2
0 11 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 b3
1
4 5
2
0 11 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 b4
1
4 6
2
0 11 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 c1
1
4 7
2
0 11 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 c2
1
4 8
2
0 11 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 c3
1
4 9
2
0 11 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 c4
1
4 10
2
0 11 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 box3 dock
1
4 11
2
0 11 0 14
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 a1
1
4 0
2
0 12 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 a2
1
4 1
2
0 12 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 a3
1
4 2
2
0 12 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 a4
1
4 3
2
0 12 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 b1
1
4 4
2
0 12 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 b3
1
4 5
2
0 12 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 b4
1
4 6
2
0 12 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 c1
1
4 7
2
0 12 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 c2
1
4 8
2
0 12 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 c3
1
4 9
2
0 12 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 c4
1
4 10
2
0 12 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 box4 dock
1
4 11
2
0 12 0 14
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 a1
1
4 0
2
0 13 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 a2
1
4 1
2
0 13 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 a3
1
4 2
2
0 13 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 a4
1
4 3
2
0 13 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 b1
1
4 4
2
0 13 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 b3
1
4 5
2
0 13 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 b4
1
4 6
2
0 13 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 c1
1
4 7
2
0 13 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 c2
1
4 8
2
0 13 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 c3
1
4 9
2
0 13 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 c4
1
4 10
2
0 13 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 crate1 dock
1
4 11
2
0 13 0 14
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 a1
1
4 0
2
0 14 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 a2
1
4 1
2
0 14 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 a3
1
4 2
2
0 14 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 a4
1
4 3
2
0 14 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 b1
1
4 4
2
0 14 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 b3
1
4 5
2
0 14 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 b4
1
4 6
2
0 14 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 c1
1
4 7
2
0 14 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 c2
1
4 8
2
0 14 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 c3
1
4 9
2
0 14 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 c4
1
4 10
2
0 14 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 crate2 dock
1
4 11
2
0 14 0 14
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 a1
1
4 0
2
0 15 0 3
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 a2
1
4 1
2
0 15 0 4
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 a3
1
4 2
2
0 15 0 5
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 a4
1
4 3
2
0 15 0 6
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 b1
1
4 4
2
0 15 0 7
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 b3
1
4 5
2
0 15 0 8
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 b4
1
4 6
2
0 15 0 9
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 c1
1
4 7
2
0 15 0 10
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 c2
1
4 8
2
0 15 0 11
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 c3
1
4 9
2
0 15 0 12
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 c4
1
4 10
2
0 15 0 13
0 6 -1 0
1
end_operator
begin_operator
place r1 crate3 dock
1
4 11
2
0 15 0 14
0 6 -1 0
1
end_operator
begin_operator
place r2 box1 a1
1
2 0
2
0 9 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 a2
1
2 1
2
0 9 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 a3
1
2 2
2
0 9 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 a4
1
2 3
2
0 9 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 b1
1
2 4
2
0 9 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 b3
1
2 5
2
0 9 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 b4
1
2 6
2
0 9 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 c1
1
2 7
2
0 9 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 c2
1
2 8
2
0 9 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 c3
1
2 9
2
0 9 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 c4
1
2 10
2
0 9 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 box1 dock
1
2 11
2
0 9 1 14
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 a1
1
2 0
2
0 10 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 a2
1
2 1
2
0 10 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 a3
1
2 2
2
0 10 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 a4
1
2 3
2
0 10 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 b1
1
2 4
2
0 10 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 b3
1
2 5
2
0 10 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 b4
1
2 6
2
0 10 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 c1
1
2 7
2
0 10 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 c2
1
2 8
2
0 10 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 c3
1
2 9
2
0 10 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 c4
1
2 10
2
0 10 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 box2 dock
1
2 11
2
0 10 1 14
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 a1
1
2 0
2
0 11 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 a2
1
2 1
2
0 11 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 a3
1
2 2
2
0 11 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 a4
1
2 3
2
0 11 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 b1
1
2 4
2
0 11 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 b3
1
2 5
2
0 11 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 b4
1
2 6
2
0 11 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 c1
1
2 7
2
0 11 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 c2
1
2 8
2
0 11 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 c3
1
2 9
2
0 11 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 c4
1
2 10
2
0 11 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 box3 dock
1
2 11
2
0 11 1 14
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 a1
1
2 0
2
0 12 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 a2
1
2 1
2
0 12 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 a3
1
2 2
2
0 12 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 a4
1
2 3
2
0 12 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 b1
1
2 4
2
0 12 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 b3
1
2 5
2
0 12 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 b4
1
2 6
2
0 12 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 c1
1
2 7
2
0 12 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 c2
1
2 8
2
0 12 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 c3
1
2 9
2
0 12 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 c4
1
2 10
2
0 12 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 box4 dock
1
2 11
2
0 12 1 14
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 a1
1
2 0
2
0 13 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 a2
1
2 1
2
0 13 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 a3
1
2 2
2
0 13 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 a4
1
2 3
2
0 13 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 b1
1
2 4
2
0 13 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 b3
1
2 5
2
0 13 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 b4
1
2 6
2
0 13 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 c1
1
2 7
2
0 13 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 c2
1
2 8
2
0 13 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 c3
1
2 9
2
0 13 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 c4
1
2 10
2
0 13 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 crate1 dock
1
2 11
2
0 13 1 14
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 a1
1
2 0
2
0 14 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 a2
1
2 1
2
0 14 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 a3
1
2 2
2
0 14 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 a4
1
2 3
2
0 14 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 b1
1
2 4
2
0 14 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 b3
1
2 5
2
0 14 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 b4
1
2 6
2
0 14 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 c1
1
2 7
2
0 14 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 c2
1
2 8
2
0 14 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 c3
1
2 9
2
0 14 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 c4
1
2 10
2
0 14 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 crate2 dock
1
2 11
2
0 14 1 14
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 a1
1
2 0
2
0 15 1 3
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 a2
1
2 1
2
0 15 1 4
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 a3
1
2 2
2
0 15 1 5
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 a4
1
2 3
2
0 15 1 6
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 b1
1
2 4
2
0 15 1 7
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 b3
1
2 5
2
0 15 1 8
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 b4
1
2 6
2
0 15 1 9
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 c1
1
2 7
2
0 15 1 10
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 c2
1
2 8
2
0 15 1 11
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 c3
1
2 9
2
0 15 1 12
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 c4
1
2 10
2
0 15 1 13
0 7 -1 0
1
end_operator
begin_operator
place r2 crate3 dock
1
2 11
2
0 15 1 14
0 7 -1 0
1
end_operator
begin_operator
place r3 box1 a1
1
0 0
2
0 9 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 a2
1
0 1
2
0 9 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 a3
1
0 2
2
0 9 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 a4
1
0 3
2
0 9 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 b1
1
0 4
2
0 9 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 b3
1
0 5
2
0 9 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 b4
1
0 6
2
0 9 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 c1
1
0 7
2
0 9 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 c2
1
0 8
2
0 9 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 c3
1
0 9
2
0 9 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 c4
1
0 10
2
0 9 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 box1 dock
1
0 11
2
0 9 2 14
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 a1
1
0 0
2
0 10 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 a2
1
0 1
2
0 10 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 a3
1
0 2
2
0 10 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 a4
1
0 3
2
0 10 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 b1
1
0 4
2
0 10 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 b3
1
0 5
2
0 10 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 b4
1
0 6
2
0 10 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 c1
1
0 7
2
0 10 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 c2
1
0 8
2
0 10 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 c3
1
0 9
2
0 10 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 c4
1
0 10
2
0 10 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 box2 dock
1
0 11
2
0 10 2 14
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 a1
1
0 0
2
0 11 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 a2
1
0 1
2
0 11 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 a3
1
0 2
2
0 11 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 a4
1
0 3
2
0 11 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 b1
1
0 4
2
0 11 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 b3
1
0 5
2
0 11 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 b4
1
0 6
2
0 11 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 c1
1
0 7
2
0 11 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 c2
1
0 8
2
0 11 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 c3
1
0 9
2
0 11 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 c4
1
0 10
2
0 11 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 box3 dock
1
0 11
2
0 11 2 14
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 a1
1
0 0
2
0 12 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 a2
1
0 1
2
0 12 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 a3
1
0 2
2
0 12 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 a4
1
0 3
2
0 12 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 b1
1
0 4
2
0 12 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 b3
1
0 5
2
0 12 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 b4
1
0 6
2
0 12 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 c1
1
0 7
2
0 12 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 c2
1
0 8
2
0 12 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 c3
1
0 9
2
0 12 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 c4
1
0 10
2
0 12 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 box4 dock
1
0 11
2
0 12 2 14
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 a1
1
0 0
2
0 13 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 a2
1
0 1
2
0 13 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 a3
1
0 2
2
0 13 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 a4
1
0 3
2
0 13 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 b1
1
0 4
2
0 13 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 b3
1
0 5
2
0 13 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 b4
1
0 6
2
0 13 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 c1
1
0 7
2
0 13 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 c2
1
0 8
2
0 13 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 c3
1
0 9
2
0 13 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 c4
1
0 10
2
0 13 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 crate1 dock
1
0 11
2
0 13 2 14
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 a1
1
0 0
2
0 14 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 a2
1
0 1
2
0 14 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 a3
1
0 2
2
0 14 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 a4
1
0 3
2
0 14 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 b1
1
0 4
2
0 14 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 b3
1
0 5
2
0 14 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 b4
1
0 6
2
0 14 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 c1
1
0 7
2
0 14 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 c2
1
0 8
2
0 14 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 c3
1
0 9
2
0 14 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 c4
1
0 10
2
0 14 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 crate2 dock
1
0 11
2
0 14 2 14
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 a1
1
0 0
2
0 15 2 3
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 a2
1
0 1
2
0 15 2 4
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 a3
1
0 2
2
0 15 2 5
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 a4
1
0 3
2
0 15 2 6
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 b1
1
0 4
2
0 15 2 7
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 b3
1
0 5
2
0 15 2 8
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 b4
1
0 6
2
0 15 2 9
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 c1
1
0 7
2
0 15 2 10
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 c2
1
0 8
2
0 15 2 11
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 c3
1
0 9
2
0 15 2 12
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 c4
1
0 10
2
0 15 2 13
0 8 -1 0
1
end_operator
begin_operator
place r3 crate3 dock
1
0 11
2
0 15 2 14
0 8 -1 0
1
end_operator
0
