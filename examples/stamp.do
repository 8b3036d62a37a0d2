* Stata's [FMM] fmm intro: "Mixture of normal distributions -- FMM by example".
* The thickness of 485 stamps of the 1872 Hidalgo issue of Mexico, modelled as a
* mixture of three normal distributions (thin, medium and thick paper).
*
* Run it from the repository root:
*     python -m fmmpy run examples/stamp.do
* (Stata loads the data with: use https://www.stata-press.com/data/r19/stamp)

use data/stamp.dta, clear

fmm 3: regress thickness           // three classes, a mean and a variance each
estat lcprob                       // the class probabilities
estimates store normal

predict den, density marginal      // the mixture density at each stamp

/* The posterior probability of each class for each stamp; the first stamp
   (.06 mm) is put in class 3, the thick paper. */
predict pr*, classposteriorpr
format %4.3f pr*
list thickness pr* in 1, abbreviate(10)

* The mixture of lognormals puts the thinnest stamps in the thin class.
quietly fmm 3: glm thickness, ///
    family(lognormal)
predict lpr*, classposteriorpr
format %4.3f lpr*
list thickness lpr* in 1, abbreviate(10)

estimates restore normal
